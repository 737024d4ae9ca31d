# Sourced by fuzz/run.sh and fuzz/minimize.sh: sets `targets` to the arguments, or to every
# target (one fuzz/<target>.cc each) when there are none.
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in fuzz/*.cc; do targets+=("$(basename "$f" .cc)"); done
fi
