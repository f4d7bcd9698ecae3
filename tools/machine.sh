# Sourced by the bench scripts: how their results name the machine. "AMD EPYC" names several
# generations, so the CPU family and model go with the name (family 25 model 1 is Zen 3, family
# 26 Zen 5).
cpu_name() {
  local name family model
  name=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  family=$(awk -F': ' '/^cpu family/ {print $2; exit}' /proc/cpuinfo)
  model=$(awk -F': ' '/^model[[:space:]]*:/ {print $2; exit}' /proc/cpuinfo)
  echo "$name (family $family, model $model)"
}

# The vector extensions the kernels care about, each followed by a space: "avx2 avx512f ".
cpu_vectors() {
  grep -o -m1 -w 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' '
}

# The results tables' machine line: CPU, cores, memory, vector extensions and the date.
machine_line() {
  echo "$(cpu_name), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(cpu_vectors)($(date -u +%Y-%m-%d))"
}
