/* The floor for the Darcy benchmark: CHOLMOD called directly from C on the matrix that
 * Benchmarks/peers/scipy_darcy.py and Tandem's DarcySolver build (5-point stencil, harmonic-mean
 * face coefficients of K = exp(sin 2πx · cos 2πy) on an n × n grid of the unit square, f = 1,
 * u = 0 on the boundary). End to end = assembly of the lower triangle + cholmod_l_analyze +
 * cholmod_l_factorize + cholmod_l_solve, with CHOLMOD's default ordering choice, as scikit-sparse
 * calls it. Prints one JSON object per grid size (median of the repeats).
 *
 *   cc -O2 Benchmarks/peers/cholmod_darcy.c -o cholmod-darcy -lcholmod -lm
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <suitesparse/cholmod.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One end-to-end solve; returns seconds and the relative residual ‖b − Au‖/‖b‖. */
static double solve_once(long n, double *residual) {
    const double pi = 3.14159265358979323846, h = 1.0 / (n - 1);
    long m = n - 2, unknowns = m * m;
    double start = now();
    cholmod_common c;
    cholmod_l_start(&c);
    double *k = malloc(sizeof(double) * n * n);
    for (long j = 0; j < n; j++)
        for (long i = 0; i < n; i++) k[j * n + i] = exp(sin(2 * pi * i * h) * cos(2 * pi * j * h));
    /* Column-major lower triangle: column p holds p (diagonal), then p + 1 and p + m. */
    cholmod_sparse *a = cholmod_l_allocate_sparse(unknowns, unknowns, 3 * unknowns, 1, 1, -1, CHOLMOD_REAL, &c);
    long *ap = a->p, *ai = a->i, nz = 0;
    double *ax = a->x;
    for (long jj = 0; jj < m; jj++) {
        for (long ii = 0; ii < m; ii++) {
            long p = jj * m + ii, g = (jj + 1) * n + (ii + 1);
            double kp = k[g], diagonal = 0;
            long q[4] = {g + 1, g - 1, g + n, g - n};
            for (int s = 0; s < 4; s++) diagonal += 2 * kp * k[q[s]] / (kp + k[q[s]]) / (h * h);
            ap[p] = nz;
            ai[nz] = p; ax[nz++] = diagonal;
            if (ii + 1 < m) { ai[nz] = p + 1; ax[nz++] = -2 * kp * k[g + 1] / (kp + k[g + 1]) / (h * h); }
            if (jj + 1 < m) { ai[nz] = p + m; ax[nz++] = -2 * kp * k[g + n] / (kp + k[g + n]) / (h * h); }
        }
    }
    ap[unknowns] = nz;
    cholmod_dense *b = cholmod_l_ones(unknowns, 1, CHOLMOD_REAL, &c);
    cholmod_factor *factor = cholmod_l_analyze(a, &c);
    cholmod_l_factorize(a, factor, &c);
    cholmod_dense *u = cholmod_l_solve(CHOLMOD_A, factor, b, &c);
    double seconds = now() - start;
    /* r = b − A·u with the symmetric matrix given by its lower triangle. */
    cholmod_dense *r = cholmod_l_copy_dense(b, &c);
    double minus_one[2] = {-1, 0}, one[2] = {1, 0};
    cholmod_l_sdmult(a, 0, minus_one, one, u, r, &c);
    *residual = cholmod_l_norm_dense(r, 2, &c) / cholmod_l_norm_dense(b, 2, &c);
    if (c.status != CHOLMOD_OK) { fprintf(stderr, "cholmod-darcy: CHOLMOD status %d\n", c.status); exit(1); }
    cholmod_l_free_dense(&r, &c);
    cholmod_l_free_dense(&u, &c);
    cholmod_l_free_dense(&b, &c);
    cholmod_l_free_factor(&factor, &c);
    cholmod_l_free_sparse(&a, &c);
    free(k);
    cholmod_l_finish(&c);
    return seconds;
}

int main(int argc, char **argv) {
    long sizes[3] = {256, 512, 1024};
    int first = 0, last = 3;
    if (argc > 1) { sizes[0] = atol(argv[1]); last = 1; }
    fprintf(stderr, "cholmod-darcy: CHOLMOD %d.%d.%d called from C\n", CHOLMOD_MAIN_VERSION, CHOLMOD_SUB_VERSION, CHOLMOD_SUBSUB_VERSION);
    for (int s = first; s < last; s++) {
        long n = sizes[s];
        int repeats = n >= 1024 ? 3 : 5;
        double times[5], residual = 0;
        for (int r = 0; r < repeats; r++) times[r] = solve_once(n, &residual);
        qsort(times, repeats, sizeof(double), by_value);
        printf("{\"name\": \"darcy_end_to_end_cholmod_c\", \"precision\": \"F64\", \"batch\": %ld, "
               "\"medianMilliseconds\": %.3f, \"gflops\": null, \"note\": \"residual %.1e\"}\n",
               n, times[repeats / 2] * 1e3, residual);
        fflush(stdout);
    }
    return 0;
}
