/* histogram: count the elements of x in each bin of the sorted edges (nbins + 1 of them).
 * Options: -D T/CT (storage, compute type of both x and the edges), IS_HALF, HAS_FP64.
 * Bin i holds edges[i] <= v < edges[i + 1], the last one also v == edges[nbins]; values
 * outside [edges[0], edges[nbins]] and NaN are not counted. The bin is found by binary
 * search, which stays inside the edges whatever their order.
 */
__kernel void histogram_count(__global int* counts, const long counts_off,
                              __global const T* x, const long x_off, const long n,
                              __global const T* edges, const long edges_off, const int nbins)
{
    const long k = get_global_id(0);
    if (k >= n) return;
    const CT v = LOAD(x, x_off + k);
    if (!(v >= LOAD(edges, edges_off) && v <= LOAD(edges, edges_off + nbins))) return;
    int lo = 0, hi = nbins - 1;         /* the last bin whose left edge is <= v */
    while (lo < hi) {
        const int mid = (lo + hi + 1) / 2;
        if (LOAD(edges, edges_off + mid) <= v) lo = mid;
        else hi = mid - 1;
    }
    atomic_inc(counts + counts_off + lo);
}
