/* unknown.c — imports a function no module here has: the loader must refuse it. */
__attribute__((__import_module__("env"), __import_name__("frobnicate"))) int frobnicate(int);

int main(void) {
	return frobnicate(1);
}
