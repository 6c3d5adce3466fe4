// The one translation unit that holds the compiled Asio, Asio-SSL and Beast implementation.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
