# Shared by the benchmarks that start and stop the gateway (and bench/fake_provider) themselves;
# sourced. Expects $build (the build directory), $dir (the run's work directory) and, for stats,
# $key (an API key); sets server_pid and url.

wait_listening() {  # FILE -> prints the URL once the process writing FILE says it listens
  for _ in $(seq 1 200); do grep -q "listening on" "$1" 2>/dev/null && break; sleep 0.05; done
  grep -o 'http://[0-9.:]*' "$1" | head -n 1
}

start_server() {  # CONFIG
  "$build/switchboard" serve --config "$1" > "$dir/out.txt" 2>> "$dir/err.txt" &
  server_pid=$!
  url="$(wait_listening "$dir/out.txt")"
  [ -n "$url" ] || { cat "$dir/err.txt"; exit 1; }
}

stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""; rm -f "$dir/out.txt"; }

stats() { curl -s -H "Authorization: Bearer $key" "$url/v1/stats"; }
