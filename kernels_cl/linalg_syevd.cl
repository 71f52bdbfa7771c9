/* Symmetric eigendecomposition (linalg_syevd): A = U^T diag(L) U, one work-item per matrix.
 * Options: -D T/CT (float or double), FT. Cyclic Jacobi: each rotation zeroes one
 * off-diagonal pair; sweeps repeat until the off-diagonal part is negligible against the
 * diagonal (relative accuracy of the small eigenvalues too, unlike tridiagonal QR). The
 * eigenvalues come out ascending, each eigenvector (a row of U) with its largest-magnitude
 * entry positive, as MXNet 1.9.1 orders and signs them.
 * a: the matrices, overwritten (the work copy); v: the eigenvectors as columns (work);
 * u, l: the results.
 */
#define EPS_OF_FT ((FT)(sizeof(FT) == 8 ? 2.220446e-16f : 1.1920929e-07f))
#define MAX_SWEEPS 60

__kernel void syevd_jacobi(__global T* a, __global T* v, __global T* u, __global T* l,
                           const long batch, const int n)
{
    const long m = get_global_id(0);
    if (m >= batch) return;
    __global T* A = a + m * n * n;
    __global T* V = v + m * n * n;
    __global T* U = u + m * n * n;
    __global T* L = l + m * n;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            V[i * n + j] = (T)(i == j);
    for (int sweep = 0; sweep < MAX_SWEEPS; ++sweep) {
        FT off = 0, diag = 0;
        for (int i = 0; i < n; ++i) {
            diag += (FT)A[i * n + i] * (FT)A[i * n + i];
            for (int j = i + 1; j < n; ++j)
                off += (FT)A[i * n + j] * (FT)A[i * n + j];
        }
        if (!(off > EPS_OF_FT * EPS_OF_FT * (FT)1e-2f * diag)) break;   /* NaN stops too */
        for (int p = 0; p < n - 1; ++p) {
            for (int q = p + 1; q < n; ++q) {
                const FT apq = A[p * n + q];
                if (apq == 0) continue;
                const FT theta = ((FT)A[q * n + q] - (FT)A[p * n + p]) / (2 * apq);
                /* the smaller root of t^2 + 2 theta t - 1 = 0 (a rotation under 45 degrees) */
                const FT t = fabs(theta) > (FT)1e15 ? 1 / (2 * theta)
                           : (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                const FT c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < n; ++k) {          /* A J: columns p and q */
                    const FT akp = A[k * n + p], akq = A[k * n + q];
                    A[k * n + p] = (T)(c * akp - s * akq);
                    A[k * n + q] = (T)(s * akp + c * akq);
                }
                for (int k = 0; k < n; ++k) {          /* J^T (A J): rows p and q */
                    const FT apk = A[p * n + k], aqk = A[q * n + k];
                    A[p * n + k] = (T)(c * apk - s * aqk);
                    A[q * n + k] = (T)(s * apk + c * aqk);
                }
                A[p * n + q] = A[q * n + p] = (T)0;
                for (int k = 0; k < n; ++k) {          /* V J */
                    const FT vkp = V[k * n + p], vkq = V[k * n + q];
                    V[k * n + p] = (T)(c * vkp - s * vkq);
                    V[k * n + q] = (T)(s * vkp + c * vkq);
                }
            }
        }
    }
    /* ascending eigenvalues (selection order, stable for ties), rows of U from columns of V */
    for (int i = 0; i < n; ++i)
        L[i] = A[i * n + i];
    for (int r = 0; r < n; ++r) {
        int best = r;
        for (int i = r + 1; i < n; ++i)
            if (L[i] < L[best]) best = i;
        if (best != r) {
            const T lt = L[r]; L[r] = L[best]; L[best] = lt;
            for (int k = 0; k < n; ++k) {
                const T vt = V[k * n + r]; V[k * n + r] = V[k * n + best]; V[k * n + best] = vt;
            }
        }
    }
    for (int r = 0; r < n; ++r) {
        int big = 0;
        for (int k = 1; k < n; ++k)
            if (fabs((FT)V[k * n + r]) > fabs((FT)V[big * n + r])) big = k;
        const FT sign = V[big * n + r] < 0 ? -1 : 1;
        for (int k = 0; k < n; ++k)
            U[r * n + k] = (T)(sign * (FT)V[k * n + r]);
    }
}
