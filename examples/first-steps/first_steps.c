/*
 * first_steps — a first Trueno program on real values: the 1991–2020
 * monthly mean temperatures (°C, rounded to 0.1, from the national weather
 * services' published climate normals) of three cities.
 *
 * It computes each city's annual mean (sum over an axis, then a broadcast
 * multiply), converts to Fahrenheit with a broadcast multiply-add, finds the
 * seasonal swing with a matmul against a ±1 summer/winter weighting, and
 * prints which backend ran each op.
 */
#include <stdio.h>
#include <stdlib.h>

#include <trueno/trueno.h>

#define CHECK(call)                                                           \
    do {                                                                      \
        if ((call) != TRUENO_OK) {                                            \
            fprintf(stderr, "first_steps: %s\n", trueno_last_error());       \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

static const char *cities[3] = {"Berlin", "Madrid", "Sydney"};
static const float celsius[3][12] = {
    {1.0f, 1.9f, 5.0f, 10.1f, 14.5f, 17.8f, 20.1f, 19.7f, 15.4f, 10.3f, 5.3f, 2.1f},
    {6.6f, 8.2f, 11.4f, 13.6f, 17.6f, 23.2f, 26.5f, 26.0f, 21.4f, 15.9f, 10.1f, 7.2f},
    {23.5f, 23.4f, 22.1f, 19.5f, 16.6f, 14.2f, 13.4f, 14.5f, 17.0f, 18.9f, 20.4f, 22.1f},
};

int main(void)
{
    trueno_runtime *rt;
    CHECK(trueno_runtime_create(NULL, &rt));

    int64_t shape[2] = {3, 12}, one[1] = {1}, months[1] = {12};
    trueno_tensor *t, *sums, *means, *twelfth, *scale, *offset, *scaled, *fahrenheit, *weights, *swing;
    CHECK(trueno_tensor_from_buffer_borrow(rt, TRUENO_DTYPE_FLOAT32, 2, shape, NULL, (void *)celsius, &t));

    int axis[1] = {1};
    CHECK(trueno_sum(t, axis, 1, 0, &sums));
    printf("sum over months       ran on %s\n", trueno_last_backend());
    float inv12 = 1.0f / 12, nine_fifths = 1.8f, thirty_two = 32;
    CHECK(trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 1, one, &inv12, &twelfth));
    CHECK(trueno_multiply(sums, twelfth, &means));
    printf("divide by 12          ran on %s\n", trueno_last_backend());

    CHECK(trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 1, one, &nine_fifths, &scale));
    CHECK(trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 1, one, &thirty_two, &offset));
    CHECK(trueno_multiply(t, scale, &scaled));
    CHECK(trueno_add(scaled, offset, &fahrenheit));
    printf("to Fahrenheit         ran on %s\n", trueno_last_backend());

    /* +1/3 for June–August, -1/3 for December–February: northern summer minus winter */
    float w[12] = {-1, -1, 0, 0, 0, 1, 1, 1, 0, 0, 0, -1};
    for (int i = 0; i < 12; i++) w[i] /= 3;
    CHECK(trueno_tensor_from_buffer_copy(rt, TRUENO_DTYPE_FLOAT32, 1, months, w, &weights));
    CHECK(trueno_matmul(t, weights, &swing));
    printf("seasonal swing matmul ran on %s\n\n", trueno_last_backend());

    float m[3], f[36], s[3];
    CHECK(trueno_tensor_read(means, m, sizeof m));
    CHECK(trueno_tensor_read(fahrenheit, f, sizeof f));
    CHECK(trueno_tensor_read(swing, s, sizeof s));
    /* widths in bytes: ° and – take two and three */
    printf("%-8s %12s %15s %26s\n", "city", "annual mean", "July in °F", "Jun–Aug minus Dec–Feb");
    for (int c = 0; c < 3; c++)
        printf("%-8s %10.1f°C %12.1f°F %20.1f°C\n", cities[c], m[c], f[c * 12 + 6], s[c]);

    trueno_tensor *all[] = {t, sums, means, twelfth, scale, offset, scaled, fahrenheit, weights, swing};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) trueno_tensor_free(all[i]);
    trueno_runtime_destroy(rt);
    return 0;
}
