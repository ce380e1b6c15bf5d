// exp.glsl — float32 exp from +, *, floor and exponent bits only, for
// shaders that must stay within Trueno's 4-ULP bound: the builtin exp is
// allowed 3 + 2·|x| ULP by the Vulkan spec. Cephes' expf scheme (S. L.
// Moshier, Cephes Math Library): x = n·ln2 + r with ln2 in two parts, a
// degree-6 polynomial on |r| <= ln2/2, scaling by 2^n in two exact steps.

// y·2^n as y·2^h·2^(n−h), h = n/2: both factors normal for n in [−252, 254]
float scale2(float y, int n)
{
    int h = n / 2;
    return y * intBitsToFloat((h + 127) << 23) * intBitsToFloat((n - h + 127) << 23);
}

// x − n·ln2 (Cody–Waite), ln2 = 355/512 + 2.12194440e-4: the first product
// through an integer, exact, so that no compiler can merge the two parts
// into one rounded n·ln2 (Mesa's did, NoContraction or not: exp was 68 ULP
// off at x = 72 on lavapipe)
float reduce_ln2(float x, float nf)
{
    float hi = float(int(nf) * 355) * (1.0 / 512.0);
    return (x - hi) - nf * -2.12194440e-4;
}

// exp(x) = y·2^n, y in about [0.7, 1.4], for x clamped to [−120, 90]
// (NaN is the caller's): the part callers scaling further keep apart
float exp_parts(float x, out int n)
{
    float xc = clamp(x, -120.0, 90.0);
    float nf = floor(xc * 1.44269504088896341 + 0.5);
    float r = reduce_ln2(xc, nf);
    float q = 1.9875691500E-4;
    q = q * r + 1.3981999507E-3;
    q = q * r + 8.3334519073E-3;
    q = q * r + 4.1665795894E-2;
    q = q * r + 1.6666665459E-1;
    q = q * r + 5.0000001201E-1;
    n = int(nf);
    return q * r * r + r + 1.0;
}

float exp_cephes(float x)
{
    if (isnan(x)) return x;
    int n;
    float y = exp_parts(x, n);
    return scale2(y, n);
}
