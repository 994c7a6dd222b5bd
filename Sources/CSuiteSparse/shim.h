#include <suitesparse/cholmod.h>
#include <suitesparse/umfpack.h>
