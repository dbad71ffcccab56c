#!/usr/bin/env bash
# The benchmark photos: six real photographs the size of a 24-megapixel camera's — 6000×4000
# JPEGs at quality 92 weighing 8–10 MB, as a studio uploads them. The scenes are photographs
# Debian ships as KDE Plasma wallpapers (package plasma-workspace-wallpapers, 2560×1600). Each
# is cropped to 3:2 and enlarged, then given colour grain, as a sensor adds it, until the file
# weighs what a camera's does (enlarged alone, a scene is too smooth: 2–6 MB). Photos already in
# OUTDIR are kept, so the benchmarks call this every time.
#
# usage: bench/photos.sh OUTDIR
# needs: apt-get (Debian): libvips-tools is installed when missing (as root), and the wallpapers
#        package is downloaded, not installed
set -euo pipefail
out=${1:?usage: bench/photos.sh OUTDIR}
scenes=(Path Kite FallenLeaf EveningGlow OneStandsOut ColorfulCups)
min_bytes=8000000
max_bytes=10000000
aim_bytes=9000000

missing=()
for name in "${scenes[@]}"; do
  [ -s "$out/$name.jpg" ] || missing+=("$name")
done
[ ${#missing[@]} -eq 0 ] && exit 0
mkdir -p "$out"

# apt-get, fetching the package lists first when they are missing or stale (that needs root).
apt_get() {
  apt-get -q "$@" >/dev/null 2>&1 && return
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench/photos.sh: \`apt-get $*\` failed; run as root, or install libvips-tools first" >&2
    exit 1
  fi
  apt-get -q update >/dev/null && apt-get -q "$@" >/dev/null
}
command -v vips >/dev/null || apt_get install -y libvips-tools
# libvips warns about the scenes' EXIF resolution unit, which nothing here reads.
export VIPS_WARNING=0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt_get download plasma-workspace-wallpapers)
dpkg-deb -x "$work"/plasma-workspace-wallpapers_*.deb "$work/deb"

# The file with `sigma` grain (levels of 0–255, per colour band) over the scene; prints its size.
grainy() {
  local sigma=$1 to=$2
  vips linear "$work/grain.v" "$work/scaled.v" "$sigma" 0
  vips add "$work/scene.v" "$work/scaled.v" "$work/sum.v"
  vips cast "$work/sum.v" "$work/clipped.v" uchar # clips to 0–255
  vips jpegsave "$work/clipped.v" "$to" --Q 92 --strip
  stat -c %s "$to"
}

for i in "${!scenes[@]}"; do
  name=${scenes[$i]}
  [ -s "$out/$name.jpg" ] && continue
  scene=$work/deb/usr/share/wallpapers/$name/contents/images/2560x1600.jpg
  [ -s "$scene" ] || { echo "bench/photos.sh: no $name in plasma-workspace-wallpapers" >&2; exit 1; }
  # Fill 6000×4000 from the middle of the 16:10 scene: a 2400×1600 window, enlarged 2.5 times.
  vips thumbnail "$scene" "$work/scene.v" 6000 --height 4000 --crop centre --size both
  # Unit grain, a band of its own for each colour; the seeds make every run's photos the same.
  for band in 1 2 3; do
    vips gaussnoise "$work/g$band.v" 6000 4000 --mean 0 --sigma 1 --seed $((i * 3 + band))
  done
  vips bandjoin "$work/g1.v $work/g2.v $work/g3.v" "$work/grain.v"
  # The file's size grows with the grain: halve the interval until it weighs about aim_bytes.
  low=0 high=12 sigma=4 size=0
  for _ in 1 2 3 4 5 6 7 8; do
    size=$(grainy "$sigma" "$work/photo.jpg")
    if [ "$size" -lt $((aim_bytes - 400000)) ]; then
      low=$sigma
    elif [ "$size" -gt $((aim_bytes + 400000)) ]; then
      high=$sigma
    else
      break
    fi
    sigma=$(awk -v low="$low" -v high="$high" 'BEGIN { print (low + high) / 2 }')
  done
  if [ "$size" -lt "$min_bytes" ] || [ "$size" -gt "$max_bytes" ]; then
    echo "bench/photos.sh: $name.jpg weighs $size bytes, not 8–10 MB" >&2
    exit 1
  fi
  mv "$work/photo.jpg" "$out/$name.jpg"
  printf '%s.jpg: 6000×4000, %s bytes, grain sigma %.2f\n' "$name" "$size" "$sigma"
  rm -f "$work"/*.v
done
