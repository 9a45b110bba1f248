# The bench programs, built inside a configured build tree with that tree's own flags and
# libraries, as its tests are:
#
#   make -C BUILD -f Makefile -f SRCDIR/bench/bench.mk bench-all
#
# Read after the tree's Makefile, so CC, the flags, DEP_LIBS and the libkvmdeck.a and
# kvmdeck targets are the tree's. Programs land in BUILD/bench/.

BENCH_SRC = $(top_srcdir)/bench
BENCH_CFLAGS = $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(CPPFLAGS) $(AM_CFLAGS) $(DEP_CFLAGS) $(CFLAGS)
BENCH_LINK = $(CC) $(AM_LDFLAGS) $(LDFLAGS)
BENCH_LIBS = libkvmdeck.a $(DEP_LIBS) $(LIBS)
BENCH_PROGS = bench/bench_stats bench/bench_draw bench/bench_open bench/gen_fixture

.PHONY: bench-all
bench-all: kvmdeck $(BENCH_PROGS)

bench/harness.o: $(BENCH_SRC)/harness.c $(BENCH_SRC)/harness.h config.h
	@mkdir -p bench
	$(CC) $(BENCH_CFLAGS) -c -o $@ $(BENCH_SRC)/harness.c

bench/bench_stats: $(BENCH_SRC)/bench_stats.c bench/harness.o libkvmdeck.a
	@mkdir -p bench
	$(BENCH_LINK) $(BENCH_CFLAGS) -o $@ $(BENCH_SRC)/bench_stats.c bench/harness.o $(BENCH_LIBS)

bench/bench_draw: $(BENCH_SRC)/bench_draw.c bench/harness.o libkvmdeck.a
	@mkdir -p bench
	$(BENCH_LINK) $(BENCH_CFLAGS) -o $@ $(BENCH_SRC)/bench_draw.c bench/harness.o $(BENCH_LIBS)

bench/gen_fixture: $(BENCH_SRC)/gen_fixture.c
	@mkdir -p bench
	$(BENCH_LINK) $(AM_CFLAGS) $(CFLAGS) $(XML_CFLAGS) -o $@ $(BENCH_SRC)/gen_fixture.c $(XML_LIBS)

bench/bench_open: $(BENCH_SRC)/bench_open.c
	@mkdir -p bench
	$(BENCH_LINK) $(AM_CFLAGS) $(CFLAGS) $(LIBVIRT_CFLAGS) -o $@ $(BENCH_SRC)/bench_open.c \
		$(LIBVIRT_LIBS)
