// The console (docs/console.md): its HTML, scripts and styles, built into the binary, served at /
// and /console/{file} with a strict Content-Security-Policy (no inline script, nothing from
// another host), framing refused, no referrer, and ETags so a reload transfers nothing new.
#pragma once

#include "http/router.h"

namespace sb::http {

void register_console(Router& router);

}  // namespace sb::http
