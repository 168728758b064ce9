# SPDX-License-Identifier: BSD-3-Clause
# `make history`'s plot: gnuplot -e "dat='D/history.dat'; out='D/history.svg'; arch='armv7'" harness/history.gp
# history.dat (written by `tscanary history`): version, packed, unpacked,
# rootfs and archive in MB (10^6 bytes), RSS and HWM in MiB, boot and
# online in seconds; NaN where a version has no figure (not built, not run).
# Three panels over one version axis: sizes, memory, times; one line each.
set terminal svg size 900,1000 dynamic font "sans,12" background "white"
set output out
set datafile separator "\t"
set datafile missing "NaN"
set multiplot layout 3,1 title sprintf("tscanary history: the image on %s, by Tailscale release", arch) font "sans,15"
set grid ytics
set key outside right top vertical
set xtics rotate by -30
set yrange [0:*]
set offsets 0.3, 0.3, 0, 0
set lmargin 12
set rmargin 30

set title "Image sizes"
set ylabel "MB (10^6 bytes)"
set xlabel ""
plot dat using 0:2:xtic(1) with linespoints lw 2 pt 7 title "tailscale.combined, packed", \
     ''  using 0:3:xtic(1) with linespoints lw 2 pt 5 title "tailscale.combined, unpacked", \
     ''  using 0:4:xtic(1) with linespoints lw 2 pt 9 title "rootfs", \
     ''  using 0:5:xtic(1) with linespoints lw 2 pt 11 title "image archive (OCI tar)"

set title "tailscaled memory after the suite"
set ylabel "MiB"
plot dat using 0:6:xtic(1) with linespoints lw 2 pt 7 title "VmRSS", \
     ''  using 0:7:xtic(1) with linespoints lw 2 pt 5 title "VmHWM (peak)"

set title "Router VM times (QEMU TCG)"
set ylabel "seconds"
set xlabel "Tailscale release"
plot dat using 0:8:xtic(1) with linespoints lw 2 pt 7 title "boot (QEMU to guest agent)", \
     ''  using 0:9:xtic(1) with linespoints lw 2 pt 5 title "online (to Running with DERP)"

unset multiplot
