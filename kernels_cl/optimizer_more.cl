/* More optimizer updates (mxgrad/ndarray/optimizer_more.py), one work-item per element,
 * applied in place outside the tape. Every kernel takes (out, weight, grad, states...) as
 * buffer + offset pairs, then n, then its hyper-parameters. Each element is read into
 * registers before anything is written, so out may be the weight itself.
 * Options: -D T/CT (storage, compute type), IS_HALF, HAS_FP64. The mp_* kernels keep their
 * states and master weights in float32 (W32) and compute in float.
 */
#define W32 float

#define ARG(type, name) __global type* name, const long name##_off
#define AT(name) name[name##_off + i]

/* Clipped to [-clip, clip] when clip >= 0; NaN stays NaN. */
inline CT clip_to(CT g, CT clip)
{
    if (clip >= 0) g = g > clip ? clip : (g < -clip ? -clip : g);
    return g;
}

inline float clip_float(float g, float clip)
{
    if (clip >= 0) g = g > clip ? clip : (g < -clip ? -clip : g);
    return g;
}

inline CT sign_of(CT v)
{
    return (CT)((v > 0) - (v < 0));
}

__kernel void nag_mom_update(ARG(T, out), ARG(const T, weight), ARG(const T, grad), ARG(T, mom),
                             const long n, const CT lr, const CT wd, const CT rescale,
                             const CT clip, const CT momentum)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const CT w = LOAD(weight, weight_off + i);
    const CT g = clip_to(rescale * LOAD(grad, grad_off + i), clip) + wd * w;
    const CT m = momentum * LOAD(mom, mom_off + i) - lr * g;
    STORE(mom, mom_off + i, m);
    STORE(out, out_off + i, w + momentum * m - lr * g);
}

__kernel void rmsprop_update(ARG(T, out), ARG(const T, weight), ARG(const T, grad), ARG(T, sn),
                             const long n, const CT lr, const CT wd, const CT rescale,
                             const CT clip, const CT gamma1, const CT epsilon,
                             const CT clip_weights)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const CT w = LOAD(weight, weight_off + i);
    const CT g = clip_to(rescale * LOAD(grad, grad_off + i) + wd * w, clip);
    const CT s = (1 - gamma1) * g * g + gamma1 * LOAD(sn, sn_off + i);
    STORE(sn, sn_off + i, s);
    STORE(out, out_off + i, clip_to(w - lr * g / sqrt(s + epsilon), clip_weights));
}

__kernel void rmspropalex_update(ARG(T, out), ARG(const T, weight), ARG(const T, grad),
                                 ARG(T, sn), ARG(T, sg), ARG(T, delta), const long n,
                                 const CT lr, const CT wd, const CT rescale, const CT clip,
                                 const CT gamma1, const CT gamma2, const CT epsilon,
                                 const CT clip_weights)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const CT w = LOAD(weight, weight_off + i);
    const CT g = clip_to(rescale * LOAD(grad, grad_off + i) + wd * w, clip);
    const CT s = (1 - gamma1) * g * g + gamma1 * LOAD(sn, sn_off + i);
    const CT m = (1 - gamma1) * g + gamma1 * LOAD(sg, sg_off + i);
    const CT d = gamma2 * LOAD(delta, delta_off + i) - lr * g / sqrt(s - m * m + epsilon);
    STORE(sn, sn_off + i, s);
    STORE(sg, sg_off + i, m);
    STORE(delta, delta_off + i, d);
    STORE(out, out_off + i, clip_to(w + d, clip_weights));
}

__kernel void signsgd_update(ARG(T, out), ARG(const T, weight), ARG(const T, grad),
                             const long n, const CT lr, const CT wd, const CT rescale,
                             const CT clip)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const CT w = LOAD(weight, weight_off + i);
    const CT g = clip_to(rescale * LOAD(grad, grad_off + i), clip);
    STORE(out, out_off + i, (1 - lr * wd) * w - lr * sign_of(g));
}

__kernel void signum_update(ARG(T, out), ARG(const T, weight), ARG(const T, grad), ARG(T, mom),
                            const long n, const CT lr, const CT wd, const CT rescale,
                            const CT clip, const CT momentum, const CT wd_lh)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const CT w = LOAD(weight, weight_off + i);
    const CT g = clip_to(rescale * LOAD(grad, grad_off + i), clip) + wd * w;
    const CT m = momentum * LOAD(mom, mom_off + i) - (1 - momentum) * g;
    STORE(mom, mom_off + i, m);
    STORE(out, out_off + i, (1 - lr * wd_lh) * w + lr * sign_of(m));
}

/* c1 = (1 - beta1^t) / lr, c2 = 1 / (1 - beta2^t), computed once on the host. */
__kernel void ftml_update(ARG(T, out), ARG(const T, weight), ARG(const T, grad), ARG(T, sd),
                          ARG(T, sv), ARG(T, sz), const long n, const CT wd, const CT rescale,
                          const CT clip, const CT beta1, const CT beta2, const CT epsilon,
                          const CT c1, const CT c2)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const CT w = LOAD(weight, weight_off + i);
    const CT g = clip_to(rescale * LOAD(grad, grad_off + i) + wd * w, clip);
    const CT v = beta2 * LOAD(sv, sv_off + i) + (1 - beta2) * g * g;
    const CT d = c1 * (sqrt(v * c2) + epsilon);
    const CT z = beta1 * LOAD(sz, sz_off + i) + (1 - beta1) * g
                 - (d - beta1 * LOAD(sd, sd_off + i)) * w;
    STORE(sv, sv_off + i, v);
    STORE(sd, sd_off + i, d);
    STORE(sz, sz_off + i, z);
    STORE(out, out_off + i, -z / d);
}

__kernel void ftrl_update(ARG(T, out), ARG(const T, weight), ARG(const T, grad), ARG(T, sz),
                          ARG(T, sn), const long n, const CT lr, const CT wd, const CT rescale,
                          const CT clip, const CT lamda1, const CT beta)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const CT w = LOAD(weight, weight_off + i);
    const CT g = clip_to(rescale * LOAD(grad, grad_off + i), clip);
    const CT n0 = LOAD(sn, sn_off + i);
    const CT z = LOAD(sz, sz_off + i) + g - (sqrt(n0 + g * g) - sqrt(n0)) * w / lr;
    const CT n1 = n0 + g * g;
    STORE(sz, sz_off + i, z);
    STORE(sn, sn_off + i, n1);
    STORE(out, out_off + i, fabs(z) > lamda1
          ? (sign_of(z) * lamda1 - z) / ((beta + sqrt(n1)) / lr + wd) : (CT)0);
}

/* LAMB, phase 1: the update direction (written to out); mean and var in place.
 * c1 = 1 / (1 - beta1^t), c2 = 1 / (1 - beta2^t) (1 without bias correction). */
__kernel void lamb_update_phase1(ARG(T, out), ARG(const T, weight), ARG(const T, grad),
                                 ARG(T, mean), ARG(T, var), const long n, const CT wd,
                                 const CT rescale, const CT clip, const CT beta1,
                                 const CT beta2, const CT epsilon, const CT c1, const CT c2)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const CT w = LOAD(weight, weight_off + i);
    const CT g = clip_to(rescale * LOAD(grad, grad_off + i), clip);
    const CT m = beta1 * LOAD(mean, mean_off + i) + (1 - beta1) * g;
    const CT v = beta2 * LOAD(var, var_off + i) + (1 - beta2) * g * g;
    STORE(mean, mean_off + i, m);
    STORE(var, var_off + i, v);
    STORE(out, out_off + i, m * c1 / (sqrt(v * c2) + epsilon) + wd * w);
}

/* The trust ratio of LAMB's phase 2, from the norms r1 (weight) and r2 (direction). */
inline CT lamb_ratio(CT r1, CT r2, CT lower, CT upper)
{
    if (lower >= 0) r1 = fmax(r1, lower);
    if (upper >= 0) r1 = fmin(r1, upper);
    return (r1 == 0 || r2 == 0) ? (CT)1 : r1 / r2;
}

__kernel void lamb_update_phase2(ARG(T, out), ARG(const T, weight), ARG(const T, g),
                                 ARG(const T, r1), ARG(const T, r2), const long n,
                                 const CT lr, const CT lower, const CT upper)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const CT ratio = lamb_ratio(LOAD(r1, r1_off), LOAD(r2, r2_off), lower, upper);
    STORE(out, out_off + i, LOAD(weight, weight_off + i) - lr * ratio * LOAD(g, g_off + i));
}

/* --- multi-precision: T weights (float16 or float32), float32 master weights and states --- */
__kernel void mp_sgd_update(ARG(T, out), ARG(const T, weight), ARG(const T, grad),
                            ARG(W32, weight32), const long n, const float lr, const float wd,
                            const float rescale, const float clip)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const float w = AT(weight32);
    const float g = clip_float(rescale * (float)LOAD(grad, grad_off + i), clip) + wd * w;
    const float w1 = w - lr * g;
    AT(weight32) = w1;
    STORE(out, out_off + i, w1);
}

__kernel void mp_sgd_mom_update(ARG(T, out), ARG(const T, weight), ARG(const T, grad),
                                ARG(W32, mom), ARG(W32, weight32), const long n,
                                const float lr, const float wd, const float rescale,
                                const float clip, const float momentum)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const float w = AT(weight32);
    const float g = clip_float(rescale * (float)LOAD(grad, grad_off + i), clip) + wd * w;
    const float m = momentum * AT(mom) - lr * g;
    AT(mom) = m;
    AT(weight32) = w + m;
    STORE(out, out_off + i, w + m);
}

__kernel void mp_nag_mom_update(ARG(T, out), ARG(const T, weight), ARG(const T, grad),
                                ARG(W32, mom), ARG(W32, weight32), const long n,
                                const float lr, const float wd, const float rescale,
                                const float clip, const float momentum)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const float w = AT(weight32);
    const float g = clip_float(rescale * (float)LOAD(grad, grad_off + i), clip) + wd * w;
    const float m = momentum * AT(mom) - lr * g;
    const float w1 = w + momentum * m - lr * g;
    AT(mom) = m;
    AT(weight32) = w1;
    STORE(out, out_off + i, w1);
}

/* mp LAMB phase 1: the direction in float32 (out is float32), from the float32 weights. */
__kernel void mp_lamb_update_phase1(ARG(W32, out), ARG(const T, weight), ARG(const T, grad),
                                    ARG(W32, mean), ARG(W32, var), ARG(const W32, weight32),
                                    const long n, const float wd, const float rescale,
                                    const float clip, const float beta1, const float beta2,
                                    const float epsilon, const float c1, const float c2)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const float w = AT(weight32);
    const float g = clip_float(rescale * (float)LOAD(grad, grad_off + i), clip);
    const float m = beta1 * AT(mean) + (1 - beta1) * g;
    const float v = beta2 * AT(var) + (1 - beta2) * g * g;
    AT(mean) = m;
    AT(var) = v;
    AT(out) = m * c1 / (sqrt(v * c2) + epsilon) + wd * w;
}

__kernel void mp_lamb_update_phase2(ARG(T, out), ARG(const T, weight), ARG(const W32, g),
                                    ARG(const W32, r1), ARG(const W32, r2),
                                    ARG(W32, weight32), const long n, const float lr,
                                    const float lower, const float upper)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const float ratio = lamb_ratio(r1[r1_off], r2[r2_off], lower, upper);
    const float w1 = AT(weight32) - lr * ratio * AT(g);
    AT(weight32) = w1;
    STORE(out, out_off + i, w1);
}

/* LARS: each layer's learning rate scaled by its trust ratio (all float32 vectors). */
__kernel void multi_lars(ARG(float, out), ARG(const float, lrs), ARG(const float, wss),
                         ARG(const float, gss), ARG(const float, wds), const long n,
                         const float eta, const float eps, const float rescale)
{
    const long i = get_global_id(0);
    if (i >= n) return;
    const float wn = sqrt(AT(wss)), gn = sqrt(AT(gss)) * rescale, lr = AT(lrs);
    AT(out) = (wn > 0 && gn > 0) ? lr * eta * wn / (gn + AT(wds) * wn + eps) : lr;
}
