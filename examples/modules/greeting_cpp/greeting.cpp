// The greeting service in C++ (libc++ for WASI): greeting(name: string) -> string.
#include <cstdlib>
#include <string>

#include "mx.h"

namespace {
std::string greet(const std::string &name) { return "Hi, " + name; }
}  // namespace

extern "C" MX_EXPORT("greeting") mx_slice *greeting(char *name, size_t len) {
    std::string arg(name ? name : "", len);
    std::free(name);  // arguments belong to the callee
    std::string out = greet(arg);
    return mx_return_copy(out.data(), out.size());
}
