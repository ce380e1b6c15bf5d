/* skeleton-demo — adds two vectors through Trueno and says which backend
 * ran it. With the skeleton plugin on TRUENO_PLUGIN_PATH and the others
 * left out (TRUENO_BACKENDS=skeleton), that is "skeleton": its estimate is
 * below the reference backend's. */
#include <stdio.h>

#include <trueno/trueno.h>

int main(void)
{
    float a[5] = {1, 2, 3, 4, 5}, b[5] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, c[5];
    int64_t shape[1] = {5};
    trueno_runtime *rt;
    trueno_tensor *ta, *tb, *tc;
    if (trueno_runtime_create(NULL, &rt) != TRUENO_OK ||
        trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 1, shape, NULL, a, &ta) ||
        trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 1, shape, NULL, b, &tb) ||
        trueno_add(ta, tb, &tc) || trueno_tensor_read(tc, c, sizeof c)) {
        fprintf(stderr, "skeleton-demo: %s\n", trueno_last_error());
        return 1;
    }
    printf("a + b = [%g %g %g %g %g], ran on: %s\n", c[0], c[1], c[2], c[3], c[4],
           trueno_last_backend());
    trueno_tensor_free(ta);
    trueno_tensor_free(tb);
    trueno_tensor_free(tc);
    trueno_runtime_destroy(rt);
    return 0;
}
