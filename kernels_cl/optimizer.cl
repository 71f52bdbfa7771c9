/* Optimizer updates with state arrays, applied in place outside the tape; one work-item per
 * element (sgd_update is an elementwise snippet: mxgrad/ndarray/optimizer_ops.py).
 * Options: -D T/CT (storage, compute type), IS_HALF, HAS_FP64.
 * The gradient is rescaled, clipped to [-clip, clip] when clip >= 0, and weight decay is
 * added to it, as MXNet's update ops do; adam_update adds the weight decay before clipping,
 * as MXNet's adam_update does.
 */

inline CT prepared_grad(CT g, CT w, CT rescale, CT clip, CT wd)
{
    g *= rescale;
    if (clip >= 0) g = g > clip ? clip : (g < -clip ? -clip : g);     /* NaN stays NaN */
    return g + wd * w;
}

__kernel void sgd_mom_update(__global T* out, const long out_off, __global const T* weight,
                             const long w_off, __global const T* grad, const long g_off,
                             __global T* mom, const long m_off, const long n, const CT lr,
                             const CT wd, const CT rescale, const CT clip, const CT momentum)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const CT w = LOAD(weight, w_off + i);
    const CT g = prepared_grad(LOAD(grad, g_off + i), w, rescale, clip, wd);
    const CT m = momentum * LOAD(mom, m_off + i) - lr * g;
    STORE(mom, m_off + i, m);
    STORE(out, out_off + i, w + m);
}

__kernel void adam_update(__global T* out, const long out_off, __global const T* weight,
                          const long w_off, __global const T* grad, const long g_off,
                          __global T* mean, const long mean_off, __global T* var,
                          const long var_off, const long n, const CT lr, const CT wd,
                          const CT rescale, const CT clip, const CT beta1, const CT beta2,
                          const CT epsilon)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const CT w = LOAD(weight, w_off + i);
    const CT g = prepared_grad(LOAD(grad, g_off + i) * rescale + wd * w, w, 1, clip, 0);
    const CT m = beta1 * LOAD(mean, mean_off + i) + (1 - beta1) * g;
    const CT v = beta2 * LOAD(var, var_off + i) + (1 - beta2) * g * g;
    STORE(mean, mean_off + i, m);
    STORE(var, var_off + i, v);
    STORE(out, out_off + i, w - lr * m / (sqrt(v) + epsilon));
}
