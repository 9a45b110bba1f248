# The text recognition bench, built inside a configured build tree with that tree's flags,
# as bench.mk builds the others (read after it):
#
#   make -C BUILD -f Makefile -f SRCDIR/bench/bench.mk -f SRCDIR/bench/text.mk bench/bench_text

bench/bench_text: $(BENCH_SRC)/bench_text.c libkvmdeck.a
	@mkdir -p bench
	$(BENCH_LINK) $(BENCH_CFLAGS) -o $@ $(BENCH_SRC)/bench_text.c $(BENCH_LIBS)
