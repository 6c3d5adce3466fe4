// Registry scale: generates a JSON devices file with N devices (default 1,000,000: 70% OTAA,
// 30% ABP, four ABP devices per DevAddr, versions mixed), loads it, and prints JSON lines:
// load seconds (target <= 5 s) and peak RSS (target <= 300 MB).
//   bench_registry [N] [dir]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "ranbridge/mic/registry.hpp"

namespace {

using namespace ranbridge::mic;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

void key(std::FILE* f, std::uint64_t seed) {
  std::fprintf(f, "\"%016llx%016llx\"",
               static_cast<unsigned long long>(seed * 0x9e3779b97f4a7c15ull),
               static_cast<unsigned long long>(~seed * 0xbf58476d1ce4e5b9ull));
}

void generate(const std::filesystem::path& path, std::size_t n) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    std::perror("bench_registry: cannot write the devices file");
    std::exit(1);
  }
  std::fputs("{\"devices\": [\n", f);
  static const char* versions[] = {"1.0.2", "1.0.3", "1.0.4", "1.1"};
  for (std::size_t i = 0; i < n; ++i) {
    const char* v = versions[i % 4];
    const bool v11 = i % 4 == 3;
    std::fprintf(f, "%s{\"dev_eui\":\"%016llx\",\"lorawan_version\":\"%s\",", i ? "," : "",
                 static_cast<unsigned long long>(0x0004a30b00000000ull + i), v);
    if (i % 10 < 7) {
      std::fputs("\"otaa\":{\"join_eui\":\"70b3d57ed0000001\",\"app_key\":", f);
      key(f, i);
      if (v11) {
        std::fputs(",\"nwk_key\":", f);
        key(f, i + 7);
      }
      std::fputs("}}\n", f);
    } else {
      std::fprintf(f, "\"abp\":{\"dev_addr\":\"%08llx\",",
                   static_cast<unsigned long long>(0x26000000 + i / 4));
      if (v11) {
        std::fputs("\"f_nwk_s_int_key\":", f);
        key(f, i);
        std::fputs(",\"s_nwk_s_int_key\":", f);
        key(f, i + 1);
        std::fputs(",\"nwk_s_enc_key\":", f);
        key(f, i + 2);
      } else {
        std::fputs("\"nwk_s_key\":", f);
        key(f, i);
      }
      std::fputs(",\"app_s_key\":", f);
      key(f, i + 3);
      std::fputs("},\"fcnt_up\":0}\n", f);
    }
  }
  std::fputs("]}\n", f);
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoull(argv[1]) : 1000000;
  const std::filesystem::path dir = argc > 2 ? argv[2] : std::filesystem::temp_directory_path();
  const auto path = dir / ("bench_registry_" + std::to_string(::getpid()) + ".json");
  generate(path, n);
  const auto file_mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  const long rss_before = peak_rss_kb();

  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  auto load = Registry::load_files({path});
  const auto t1 = std::chrono::steady_clock::now();
  const double cpu = cpu_seconds() - cpu0;
  std::filesystem::remove(path);
  if (!load.ok()) {
    std::fprintf(stderr, "bench_registry: load failed: %s\n",
                 load.errors.empty() ? "?" : load.errors[0].to_string().c_str());
    return 1;
  }
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  std::printf("{\"name\":\"registry_json_file\",\"value\":%.1f,\"unit\":\"MB\"}\n", file_mb);
  std::printf("{\"name\":\"registry_devices\",\"value\":%zu,\"unit\":\"devices\"}\n",
              load.registry->devices().size());
  std::printf("{\"name\":\"registry_load_seconds\",\"value\":%.3f,\"unit\":\"s\"}\n", secs);
  // On a shared machine wall time includes waiting for a core; CPU time is the work done.
  std::printf("{\"name\":\"registry_load_cpu_seconds\",\"value\":%.3f,\"unit\":\"s\"}\n", cpu);
  std::printf("{\"name\":\"registry_peak_rss\",\"value\":%.1f,\"unit\":\"MB\"}\n",
              static_cast<double>(peak_rss_kb()) / 1024.0);
  std::printf("{\"name\":\"registry_peak_rss_before_load\",\"value\":%.1f,\"unit\":\"MB\"}\n",
              static_cast<double>(rss_before) / 1024.0);
  std::printf("{\"name\":\"registry_memory\",\"value\":%.1f,\"unit\":\"MB\"}\n",
              static_cast<double>(load.registry->memory_bytes()) / (1024.0 * 1024.0));
  return 0;
}
