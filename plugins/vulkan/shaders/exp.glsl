// exp.glsl — float32 exp from +, *, floor and exponent bits only, for
// shaders that must stay within Trueno's 4-ULP bound: the builtin exp is
// allowed 3 + 2·|x| ULP by the Vulkan spec. Cephes' expf scheme (S. L.
// Moshier, Cephes Math Library): x = n·ln2 + r with ln2 in two parts, a
// degree-6 polynomial on |r| <= ln2/2, scaling by 2^n in two exact steps.
float exp_cephes(float x)
{
    if (isnan(x)) return x;
    float xc = clamp(x, -120.0, 89.0);
    float n = floor(xc * 1.44269504088896341 + 0.5);
    float r = xc - n * 0.693359375 - n * -2.12194440e-4;
    float q = 1.9875691500E-4;
    q = q * r + 1.3981999507E-3;
    q = q * r + 8.3334519073E-3;
    q = q * r + 4.1665795894E-2;
    q = q * r + 1.6666665459E-1;
    q = q * r + 5.0000001201E-1;
    float y = q * r * r + r + 1.0;
    int ni = int(n), h = ni / 2;
    return y * intBitsToFloat((h + 127) << 23) * intBitsToFloat((ni - h + 127) << 23);
}
