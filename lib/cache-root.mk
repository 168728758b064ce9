# SPDX-License-Identifier: BSD-3-Clause
# The Makefile's CACHE (the cache root) unless the command line or the
# environment sets it: what lib/cache-root.sh, the one definition, prints
# for this make's TSCANARY_CACHE, XDG_CACHE_HOME and HOME. The Makefile
# includes it; tests/cache-root.sh runs it alone.
ifeq ($(origin CACHE),undefined)
CACHE := $(shell TSCANARY_CACHE='$(TSCANARY_CACHE)' XDG_CACHE_HOME='$(XDG_CACHE_HOME)' HOME='$(HOME)'; \
	. ./lib/cache-root.sh && cache_root)
$(if $(CACHE),,$(error lib/cache-root.sh named no cache root))
endif
