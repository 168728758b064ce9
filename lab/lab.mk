# SPDX-License-Identifier: BSD-3-Clause
# The lab's host programs: dnsd (the lab's authoritative DNS server, run in
# the inet namespace) and labtest (the root-only end-to-end check of the lab:
# topology, PKI, DNS, and that the machine is left as it was found).

DNSD := $(BUILD)/host/dnsd
LABTEST := $(BUILD)/host/labtest

.PHONY: dnsd labtest lab-check
all: dnsd

dnsd: $(DNSD)

# The zone file's reader is the harness's (zone_load, in the core layer).
$(DNSD): $(BUILD)/host/lab/dnsd.o $(BUILD)/host/lab/srv.o $(call layer_libs,host,core)
	$(CC) $(CFLAGS) $(PREFIX_MAP) -o $@ $^ -lldns

labtest: $(LABTEST)

$(LABTEST): $(BUILD)/host/lab/labtest.o $(call layer_libs,host,lab)
	$(CC) $(CFLAGS) $(PREFIX_MAP) -o $@ $^ $(HOST_LIBS)

# Needs root; prints TAP and "N passed, N failed".
lab-check: $(DNSD) $(LABTEST)
	$(LABTEST) --dnsd $(DNSD)
