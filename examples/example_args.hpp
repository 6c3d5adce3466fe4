#pragma once
// Command line shared by the examples: --url and --token (else $RAN_URL and $RAN_TOKEN),
// plus the example's own --flag VALUE options. Exit code 2 on a usage error.

#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ranbridge::examples {

struct Args {
  std::string url;    // RAN base URL, e.g. https://eu.cloud.everynet.io/api/v1
  std::string token;  // access token (never printed)
  std::map<std::string, std::vector<std::string>> options;

  std::string get(const std::string& flag, const std::string& fallback) const {
    auto it = options.find(flag);
    return it == options.end() ? fallback : it->second.back();
  }
};

[[noreturn]] inline void usage_error(const char* usage, const std::string& why) {
  std::cerr << "error: " << why << "\nusage: " << usage << "\n";
  std::exit(2);
}

inline Args parse_args(int argc, char** argv, const std::set<std::string>& flags,
                       const char* usage) {
  Args a;
  if (const char* u = std::getenv("RAN_URL")) a.url = u;
  if (const char* t = std::getenv("RAN_TOKEN")) a.token = t;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << "usage: " << usage << "\n";
      std::exit(0);
    }
    if (i + 1 >= argc) usage_error(usage, flag + " needs a value");
    std::string value = argv[++i];
    if (flag == "--url")
      a.url = value;
    else if (flag == "--token")
      a.token = value;
    else if (flags.count(flag))
      a.options[flag].push_back(value);
    else
      usage_error(usage, "unknown option " + flag);
  }
  if (a.url.empty()) usage_error(usage, "no URL (--url or RAN_URL)");
  if (a.token.empty()) usage_error(usage, "no token (--token or RAN_TOKEN)");
  return a;
}

}  // namespace ranbridge::examples
