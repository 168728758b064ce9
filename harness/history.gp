# SPDX-License-Identifier: BSD-3-Clause
# `make history`'s plot:
#   gnuplot -e "dat='D/history.dat'; out='D/history.svg'; arch='armv7'" harness/history.gp
# history.dat (written by `tscanary history`): version, packed, unpacked,
# rootfs and archive in MB (10^6 bytes), RSS and HWM in MiB, boot and
# online in seconds; NaN where a version has no figure (not built, not run).
# Four panels over one version axis, one line per figure; every version
# the history covers has its tick, so a version without figures is a gap.
# Every y axis starts at zero: a change between releases is drawn at its
# true proportion (history.md has the exact figures).
if (!exists("term")) term = "svg size 960,1200 dynamic font 'sans,12' background '#ffffff'"
eval "set terminal ".term
set output out
set termoption noenhanced
set datafile separator "\t"
set datafile missing "NaN"
stats dat using 0 nooutput
n = STATS_records
set multiplot layout 4,1 title sprintf("tscanary history: the image on %s, by Tailscale release", arch) font ",15"
set grid ytics
set key outside right top vertical
set xrange [-0.5:n - 0.5]
set xtics rotate by -30
set lmargin 12
set rmargin 40
set style data linespoints
# The ticks come from an invisible series at y = 0 that reads every line,
# so versions without figures keep their place on the axis.
ticks = "using 0:(0):xtic(1) with points pt -1 notitle"

set title "Image sizes"
set ylabel "MB (1,000,000 bytes)"
plot dat @ticks, \
     ''  using 0:2 lw 2 pt 7 title "tailscale.combined (UPX-packed)", \
     ''  using 0:4 lw 2 pt 9 title "rootfs", \
     ''  using 0:5 lw 2 pt 11 title "image archive (OCI tar)"

set title "tailscale.combined before packing"
set ylabel "MB (1,000,000 bytes)"
plot dat @ticks, \
     ''  using 0:3 lw 2 pt 5 title "unpacked binary"

set title "tailscaled memory after the suite"
set ylabel "MiB"
plot dat @ticks, \
     ''  using 0:6 lw 3 pt 7 title "VmRSS", \
     ''  using 0:7 lw 2 dt 2 pt 6 ps 1.5 title "VmHWM (peak)"

set title "Router VM times (QEMU; the accelerator is in history.md)"
set ylabel "seconds"
set xlabel "Tailscale release"
plot dat @ticks, \
     ''  using 0:8 lw 2 pt 7 title "boot (QEMU start to guest agent)", \
     ''  using 0:9 lw 2 pt 5 title "online (to Running with a DERP home)"

unset multiplot
