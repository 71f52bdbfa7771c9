/* The LSTM cell of mx.nd.RNN (mxgrad/ndarray/rnn_cell.py): one work-item per (row, unit).
 * Options: -D T/CT (storage, compute type), IS_HALF, HAS_FP64.
 * gates is (N, 4H), the pre-activations of the gates i, f, g, o (MXNet's order) side by side
 * in each row; c_prev, h and c are (N, H). Offsets are in elements of each buffer.
 */

inline CT sigm(const CT v) { return (CT)1 / ((CT)1 + exp(-v)); }

/* c = sigm(f) * c_prev + sigm(i) * tanh(g); h = sigm(o) * tanh(c) */
__kernel void lstm_cell_fwd(__global T* h, __global T* c, __global const T* gates,
                            const long g_off, __global const T* c_prev, const long c_off,
                            const long n, const long H)
{
    const long t = get_global_id(0);
    if (t >= n) return;
    const long row = t / H, j = t % H, at = g_off + row * 4 * H + j;
    const CT i = sigm(LOAD(gates, at)), f = sigm(LOAD(gates, at + H));
    const CT g = tanh(LOAD(gates, at + 2 * H)), o = sigm(LOAD(gates, at + 3 * H));
    const CT cn = f * LOAD(c_prev, c_off + t) + i * g;
    STORE(c, t, cn);
    STORE(h, t, o * tanh(cn));
}

/* From the head gradients gh (of h) and gc (of c): dgates (N, 4H) and dc_prev (N, H). */
__kernel void lstm_cell_bwd(__global T* dgates, __global T* dc_prev, __global const T* gates,
                            const long g_off, __global const T* c_prev, const long c_off,
                            __global const T* gh, const long gh_off, __global const T* gc,
                            const long gc_off, const long n, const long H)
{
    const long t = get_global_id(0);
    if (t >= n) return;
    const long row = t / H, j = t % H, at = g_off + row * 4 * H + j;
    const long out = row * 4 * H + j;
    const CT i = sigm(LOAD(gates, at)), f = sigm(LOAD(gates, at + H));
    const CT g = tanh(LOAD(gates, at + 2 * H)), o = sigm(LOAD(gates, at + 3 * H));
    const CT cp = LOAD(c_prev, c_off + t);
    const CT tc = tanh(f * cp + i * g);
    const CT dh = LOAD(gh, gh_off + t);
    const CT dc = LOAD(gc, gc_off + t) + dh * o * ((CT)1 - tc * tc);
    STORE(dgates, out, dc * g * i * ((CT)1 - i));
    STORE(dgates, out + H, dc * cp * f * ((CT)1 - f));
    STORE(dgates, out + 2 * H, dc * i * ((CT)1 - g * g));
    STORE(dgates, out + 3 * H, dh * tc * o * ((CT)1 - o));
    STORE(dc_prev, t, dc * f);
}

/* The GRU cell (MXNet's formula, the reset gate applied to W_hn h + b_hn): xp and hh are
 * (N, 3H), the input and hidden projections of the gates r, z, n with their biases;
 * r = sigm(xr + hr), z = sigm(xz + hz), n = tanh(xn + r * hn), h = (1 - z) * n + z * h_prev. */
__kernel void gru_cell_fwd(__global T* h, __global const T* xp, const long x_off,
                           __global const T* hh, const long hh_off, __global const T* h_prev,
                           const long h_off, const long n, const long H)
{
    const long t = get_global_id(0);
    if (t >= n) return;
    const long row = t / H, j = t % H, ax = x_off + row * 3 * H + j;
    const long ah = hh_off + row * 3 * H + j;
    const CT r = sigm(LOAD(xp, ax) + LOAD(hh, ah));
    const CT z = sigm(LOAD(xp, ax + H) + LOAD(hh, ah + H));
    const CT nn = tanh(LOAD(xp, ax + 2 * H) + r * LOAD(hh, ah + 2 * H));
    STORE(h, t, nn + z * (LOAD(h_prev, h_off + t) - nn));
}

/* From the head gradient gh of h: dxp, dhh (N, 3H) and dh_prev (N, H). */
__kernel void gru_cell_bwd(__global T* dxp, __global T* dhh, __global T* dh_prev,
                           __global const T* xp, const long x_off, __global const T* hh,
                           const long hh_off, __global const T* h_prev, const long h_off,
                           __global const T* gh, const long gh_off, const long n, const long H)
{
    const long t = get_global_id(0);
    if (t >= n) return;
    const long row = t / H, j = t % H, ax = x_off + row * 3 * H + j;
    const long ah = hh_off + row * 3 * H + j, out = row * 3 * H + j;
    const CT r = sigm(LOAD(xp, ax) + LOAD(hh, ah));
    const CT z = sigm(LOAD(xp, ax + H) + LOAD(hh, ah + H));
    const CT hn = LOAD(hh, ah + 2 * H);
    const CT nn = tanh(LOAD(xp, ax + 2 * H) + r * hn);
    const CT hp = LOAD(h_prev, h_off + t), dh = LOAD(gh, gh_off + t);
    const CT dan = dh * ((CT)1 - z) * ((CT)1 - nn * nn);
    const CT dar = dan * hn * r * ((CT)1 - r);
    const CT daz = dh * (hp - nn) * z * ((CT)1 - z);
    STORE(dxp, out, dar);
    STORE(dxp, out + H, daz);
    STORE(dxp, out + 2 * H, dan);
    STORE(dhh, out, dar);
    STORE(dhh, out + H, daz);
    STORE(dhh, out + 2 * H, dan * r);
    STORE(dh_prev, t, dh * z);
}

/* tanh through exp: on PoCL its tanh costs several exps (the forward step kernel ran 30 %
 * faster); the absolute error stays within 2e-7 in float32. */
inline CT tanh_exp(const CT v) { return (CT)1 - (CT)2 / (exp((CT)2 * v) + (CT)1); }

/* The fused LSTM direction (mxgrad/ndarray/rnn_lstm.py), over an (H, N) grid: work-item
 * (j, row) owns unit j of sequence row (no index division, which kept PoCL from vectorizing).
 * One step over the (N, 4H) slot of the sequence's gate buffer, which holds
 * x_t W_i2h^T + h_{t-1} W_h2h^T (the bias is added here): the step overwrites its slot with the
 * activated gates i, f, g, o, which the backward reads (no activation recomputed), writes h to
 * h (its slot of the outputs) and to h2 (the final state at the last step, else the same slot
 * again), and c to c. */
__kernel void lstm_seq_fwd(__global T* gates, const long g_off, __global const T* bias,
                           const long b_off, __global const T* c_prev, const long cp_off,
                           __global T* h, const long h_off, __global T* h2, const long h2_off,
                           __global T* c, const long c_off)
{
    const long j = get_global_id(0), row = get_global_id(1), H = get_global_size(0);
    const long at = g_off + row * 4 * H + j, b = b_off + j, t = row * H + j;
    const CT i = sigm(LOAD(gates, at) + LOAD(bias, b));
    const CT f = sigm(LOAD(gates, at + H) + LOAD(bias, b + H));
    const CT g = tanh_exp(LOAD(gates, at + 2 * H) + LOAD(bias, b + 2 * H));
    const CT o = sigm(LOAD(gates, at + 3 * H) + LOAD(bias, b + 3 * H));
    const CT cn = f * LOAD(c_prev, cp_off + t) + i * g;
    const CT hn = o * tanh_exp(cn);
    STORE(gates, at, i);
    STORE(gates, at + H, f);
    STORE(gates, at + 2 * H, g);
    STORE(gates, at + 3 * H, o);
    STORE(c, c_off + t, cn);
    STORE(h, h_off + t, hn);
    STORE(h2, h2_off + t, hn);
}

/* Its backward for one step: the gradient of h is gout + gh (the step's output and the next
 * step's state), that of c gc; writes dgates (the gate pre-activations') and dc_prev, which
 * may be gc itself (each work-item reads its element before writing it). */
__kernel void lstm_seq_bwd(__global T* dgates, const long dg_off, __global T* dc_prev,
                           const long dc_off, __global const T* acts, const long a_off,
                           __global const T* c_prev, const long cp_off,
                           __global const T* gout, const long go_off, __global const T* gh,
                           const long gh_off, __global const T* gc, const long gc_off)
{
    const long j = get_global_id(0), row = get_global_id(1), H = get_global_size(0);
    const long at = a_off + row * 4 * H + j, out = dg_off + row * 4 * H + j, t = row * H + j;
    const CT i = LOAD(acts, at), f = LOAD(acts, at + H);
    const CT g = LOAD(acts, at + 2 * H), o = LOAD(acts, at + 3 * H);
    const CT cp = LOAD(c_prev, cp_off + t);
    const CT tc = tanh_exp(f * cp + i * g);
    const CT dh = LOAD(gout, go_off + t) + LOAD(gh, gh_off + t);
    const CT dc = LOAD(gc, gc_off + t) + dh * o * ((CT)1 - tc * tc);
    STORE(dgates, out, dc * g * i * ((CT)1 - i));
    STORE(dgates, out + H, dc * cp * f * ((CT)1 - f));
    STORE(dgates, out + 2 * H, dc * i * ((CT)1 - g * g));
    STORE(dgates, out + 3 * H, dh * tc * o * ((CT)1 - o));
    STORE(dc_prev, dc_off + t, dc * f);
}
