/*
 * asyncify_data.c — the region of linear memory where Asyncify saves the program's stack
 * while a system call waits (wasm/asyncify.ts). It is part of the program's own data, so
 * the allocator never hands it out; the loader finds it through the two exports.
 */
#define RUMPSIM_ASYNCIFY_SIZE (256 * 1024)

static char asyncify_data[RUMPSIM_ASYNCIFY_SIZE] __attribute__((aligned(16)));

__attribute__((export_name("rumpsim_asyncify_data"))) void *rumpsim_asyncify_data(void) {
	return asyncify_data;
}

__attribute__((export_name("rumpsim_asyncify_size"))) unsigned long rumpsim_asyncify_size(void) {
	return sizeof asyncify_data;
}
