/*
 * vk_plugin.c — libtrueno-vulkan.so: Trueno ops as Vulkan compute shaders.
 *
 * One Trueno device per Vulkan physical device with a compute queue
 * (TRUENO_VULKAN_DEVICE=<index|name substring> keeps one). Tensors live in
 * VkBuffers of device-local memory; uploads and readbacks go through two
 * host-visible staging buffers (double-buffered, copied over the host's
 * thread pool), or map the memory directly where host and device share RAM
 * (lavapipe, integrated GPUs), unless TRUENO_VULKAN_FORCE_STAGING=1. Ops
 * are recorded into command buffers and submitted as batches: a full batch
 * (32, 64, 128, then 256 dispatches) goes to the queue without waiting,
 * up to RING of them in flight while the host records the next; the host
 * waits only when it needs a result (buffer_read, buffer_write,
 * synchronize). A pipeline barrier is recorded only before a dispatch
 * that touches a buffer an earlier dispatch of the batch wrote, and at
 * the start of a batch that follows submitted work. Runs of small
 * contiguous float32 element-wise ops are fused into one dispatch (see
 * fuse_add; TRUENO_VULKAN_FUSE=0 turns that off).
 *
 * Shaders (shaders/NAME.comp, compiled by glslc at build time and
 * embedded), float32: element-wise ops and activations with any strides
 * (elementwise.comp, math.glsl; copies for contiguous and device-to-device
 * copies; a vec4 module for contiguous operands), a tiled matmul/gemm
 * (batched; matmul4.comp for operands aligned to 4 floats), topk (k <= 32),
 * sum, mean, amax, amin, argmax, argmin along the last axis or leading
 * ones, softmax, log_softmax, layer_norm and rms_norm along the last axis,
 * casts between float32, int32, float16 and bfloat16, conv2d (direct) and
 * max/avg/adaptive-avg pooling; the element-wise ops and matmul/gemm on
 * float16 and bfloat16 too (computed in float32, rounded once), with
 * TRUENO_VULKAN_COOPERATIVE_MATRIX=1 float16 matmul through
 * VK_NV_cooperative_matrix (matmul_coop.comp) where the device has it.
 * matmul4.comp's tile is chosen per product from the device's limits
 * (mm4_tiles; TRUENO_VULKAN_MATMUL_TILE forces one). Everything
 * else is TRUENO_UNSUPPORTED and runs elsewhere. Only what Vulkan computes
 * within Trueno's tolerances is claimed: its division (2.5 ULP), sqrt and
 * builtin transcendentals are looser than the reference's bounds.
 * Pipelines go through a VkPipelineCache kept on disk in the user's cache
 * directory. The cost model is measured at the first probe on a machine
 * (dispatch latency, device bandwidth, matmul and conv2d throughput,
 * transfers) and
 * cached by the core.
 *
 * Errors: VK_ERROR_OUT_OF_DEVICE_MEMORY is TRUENO_DEVICE_OUT_OF_MEMORY (the
 * core re-runs the op elsewhere); VK_ERROR_DEVICE_LOST marks the device
 * lost and returns TRUENO_DEVICE_LOST, after which the core never uses it.
 * With VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation every validation
 * message is logged as an error ("vulkan validation: ...").
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <vulkan/vulkan.h>

#include "trueno_abi.h"

#define PLUGIN_NAME "vulkan"
#define MAX_DEVICES 8
#define BATCH_MAX 256          /* dispatches per submission */
#define RING 3                 /* batches in flight: the host records one while the device runs the others */
#define STAGING_BYTES ((VkDeviceSize)64 << 20) /* two halves */

static const uint32_t spv_elementwise[] =
#include "elementwise.spv.inc"
    ;
static const uint32_t spv_elementwise4[] = /* contiguous, 4 lanes at a time */
#include "elementwise4.spv.inc"
    ;
static const uint32_t spv_elementwise_dp[] = /* the same two keeping float32 subnormals */
#include "elementwise_dp.spv.inc"
    ;
static const uint32_t spv_elementwise4_dp[] =
#include "elementwise4_dp.spv.inc"
    ;
static const uint32_t spv_elementwise_fused[] = /* a run of element-wise ops in one dispatch */
#include "elementwise_fused.spv.inc"
    ;
static const uint32_t spv_elementwise_fused_dp[] =
#include "elementwise_fused_dp.spv.inc"
    ;
static const uint32_t spv_elementwise_f16[] = /* float16 operands, two to a word, computed in float32 */
#include "elementwise_f16.spv.inc"
    ;
static const uint32_t spv_elementwise_bf16[] = /* bfloat16 */
#include "elementwise_bf16.spv.inc"
    ;
static const uint32_t spv_softmax[] =
#include "softmax.spv.inc"
    ;
static const uint32_t spv_norm[] =
#include "norm.spv.inc"
    ;
static const uint32_t spv_reduce[] =
#include "reduce.spv.inc"
    ;
static const uint32_t spv_colreduce[] =
#include "colreduce.spv.inc"
    ;
static const uint32_t spv_cast[] =
#include "cast.spv.inc"
    ;
static const uint32_t spv_pool[] =
#include "pool.spv.inc"
    ;
static const uint32_t spv_conv[] =
#include "conv.spv.inc"
    ;
static const uint32_t spv_topk[] =
#include "topk.spv.inc"
    ;
static const uint32_t spv_matmul_r4[] = /* 4×4 register block per invocation */
#include "matmul_r4.spv.inc"
    ;
static const uint32_t spv_matmul_r8[] = /* 8×8 */
#include "matmul_r8.spv.inc"
    ;
static const uint32_t spv_matmul_f16[] = /* float16 operands, 4×4 (64×64 tiles), pairs of columns */
#include "matmul_f16.spv.inc"
    ;
static const uint32_t spv_matmul_bf16[] = /* bfloat16 */
#include "matmul_bf16.spv.inc"
    ;
static const uint32_t spv_matmul_coop[] = /* float16 through VK_NV_cooperative_matrix (opt-in) */
#include "matmul_coop.spv.inc"
    ;
static const uint32_t spv_matmul4[] = /* operands aligned to 4 floats */
#include "matmul4.spv.inc"
    ;
/* matmul4.comp's tiles (its specialization constants 2–4): a BM×BN block
 * of C per workgroup in K-tiles of BK, an 8×8 block per invocation,
 * (BM/64)·(BN/32) subgroup tiles of 32 invocations. Largest first:
 * mm4_tile takes the first the device's limits allow that gives at least
 * half the compute units a workgroup, else the fitting one with the most
 * workgroups. On the H200 (TFLOP/s at 1024³ / 2048³ / 4096³ / 8192³):
 * 64×128×16 32.5 / 39.5 / 40.0 / 41.0, 64×64×16 27.6 / 36.7 / 37.2 /
 * 37.9, 64×32×16 26.5 / 29.1 / 32.8 / 34.2. Of the others measured in the
 * same runs: 128×64×16 32.6 / 38.8 / 39.2 / 40.1; K-tiles of 8 lost at
 * every size (128×64×8 24.0 / 28.1 / 34.6 / 37.3), K-tiles of 32 more so
 * (64×64×32 16.7 / 18.0 / 20.3 / 20.7); 128×32×16 28.4 / 36.2 / 37.3 /
 * 37.8; 8×16 per invocation gave 128×128×16 10.5 / 38.8 / 39.4 / 39.5;
 * 256×128×16 does not fit NVIDIA's 48 KiB; sweeping the tiles in groups
 * of 8 or 16 rows for L2 locality changed nothing (±0.5). */
typedef struct { uint32_t bm, bn, bk; } mm4_tile_size;
static const mm4_tile_size mm4_tiles[] = {{64, 128, 16}, {64, 64, 16}, {64, 32, 16}};
#define MM4_TILES (sizeof mm4_tiles / sizeof mm4_tiles[0])
static uint32_t mm4_threads(const mm4_tile_size *t) { return t->bm / 64 * (t->bn / 32) * 32; }
static uint32_t mm4_shared_bytes(const mm4_tile_size *t) { return 2 * t->bk * (t->bm / 4 + 1 + t->bn / 4 + 1) * 16; }

/* the element-wise modules */
enum { EW_SCALAR = 0, EW_VEC4 = 1, EW_F16 = 2, EW_BF16 = 3 };

/* op codes of elementwise.comp */
enum { EW_ADD = 0, EW_SUB = 1, EW_MUL = 2, EW_MAX = 3, EW_MIN = 4, EW_FMAX = 5, EW_FMIN = 6, EW_COPYSIGN = 7,
       EW_NEG = 16, EW_ABS = 17, EW_SQUARE = 18, EW_RELU = 19, EW_EXP = 20, EW_LEAKY_RELU = 21, EW_COPY = 22,
       EW_LOG = 23, EW_TANH = 24, EW_SIGMOID = 25, EW_SILU = 26, EW_GELU = 27, EW_EXPM1 = 28, EW_LOG1P = 29,
       EW_ELU = 30, EW_SELU = 31, EW_SOFTPLUS = 32, EW_LOGSIGMOID = 33, EW_SOFTSIGN = 34, EW_RELU6 = 35,
       EW_HARDSIGMOID = 36, EW_HARDSWISH = 37, EW_RSQRT = 38, EW_FLOOR = 39, EW_CEIL = 40, EW_ROUND = 41,
       EW_TRUNC = 42, EW_SIGN = 43, EW_CODES = 44 };

typedef struct ew_params {
    uint32_t n, op, rank, unary;
    uint32_t shape[4];
    int32_t sa[4], sb[4], so[4];
    uint32_t oa, ob, oo;
    float param;
} ew_params;

/* elementwise.comp's FUSED push constants: a run of up to FUSE_OPS ops
 * over n contiguous float32 elements, its buffers in FUSE_SLOTS slots */
#define FUSE_OPS 16
#define FUSE_SLOTS 8
#define FUSE_MAX_N 65536 /* larger ops are bound by memory, not by a dispatch's latency */
#define MAX_BINDINGS FUSE_SLOTS /* the most buffers a pipeline binds: the fused module's */
typedef struct fused_params {
    uint32_t n, count;
    uint32_t offset[FUSE_SLOTS];
    uint32_t ops[FUSE_OPS];         /* code | a << 8 | b << 12 | o << 16 */
} fused_params;

typedef struct pool_params {        /* pool.comp's push constants */
    uint32_t total, op, rows, pad0;
    int32_t C, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, count_pad;
    int32_t sx[4], so[4];
    uint32_t ox, oo;
} pool_params;

typedef struct conv_params {        /* conv.comp's push constants */
    uint32_t total, rows;
    int32_t C, H, W, OC, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, groups;
    int32_t sx[4], sb, so[4];
    uint32_t ox, ow, ob, oo;
} conv_params;

typedef struct mm_params {
    uint32_t m, n, k, flags;
    int32_t sa0, sa1, sb0, sb1, sc0, sc1, sd0, sd1, ba, bb, bc, bd;
    uint32_t oa, ob, oc, od;
    float alpha, beta;
} mm_params;

#define TOPK_KMAX 32 /* topk.comp's KMAX */
typedef struct topk_params {
    uint32_t n, k, largest, rows;
    int32_t sx0, sx1, sv0, sv1, si0, si1;
    uint32_t ox, ov, oi;
} topk_params;

/* The push constants of a row op with one input and one output row view:
 * softmax.comp's, and the start of norm.comp's; flag is log_softmax or rms. */
typedef struct row_header {
    uint32_t n, flag, rows, pad;
    int32_t sx0, sx1, so0, so1;
    uint32_t ox, oo;
} row_header;

typedef struct norm_params {
    row_header row;
    uint32_t ow, ob;
    float eps;
} norm_params;

typedef struct reduce_params {
    uint32_t n, op, rows, pad;
    int32_t sx0, sx1, so0, pad2;
    uint32_t ox, oo;
} reduce_params;

typedef struct colreduce_params {   /* colreduce.comp's push constants */
    uint32_t rows, inner, outputs, op;
    uint32_t ox, oo;
} colreduce_params;

typedef struct cast_params {        /* cast.comp's push constants */
    uint32_t n, from, to, words;
    uint32_t ox, oo, rank, pad;
    uint32_t shape[4];              /* the input's view, collapsed (the output is contiguous) */
    int32_t sx[4];
} cast_params;

typedef struct vk_buffer {
    VkBuffer buf;
    VkDeviceMemory mem;
    void *mapped;       /* unified memory: mapped for the buffer's life */
    VkDeviceSize bytes;
    struct vk_buffer *next_free; /* freed while a batch may still use it */
} vk_buffer;

typedef struct vk_pipeline {
    VkDescriptorSetLayout dsl;
    VkPipelineLayout layout;
    VkPipeline pipe;
    uint32_t bindings, local;
    bool failed;                 /* a lazily made pipeline that could not be */
} vk_pipeline;

struct vk_instance;

typedef struct vk_device {
    trueno_device handle;
    trueno_device_props props;
    trueno_cost_model cost;
    double row_gbs;            /* one workgroup streaming one row (row ops) */
    const trueno_host *host;
    struct vk_instance *inst;
    VkPhysicalDevice phys;
    VkPhysicalDeviceProperties pp;
    VkPhysicalDeviceMemoryProperties mp;
    VkDevice dev;
    VkQueue queue;
    uint32_t qfam, mem_device, mem_staging;
    bool unified, lost, recording;
    bool submitted;              /* a batch went to the queue since the device was set up */
    bool transfer_written;       /* a vkCmdCopyBuffer wrote since the last barrier */
    bool denorm;                 /* the element-wise modules keep float32 subnormals */
    bool coop;                   /* VK_NV_cooperative_matrix enabled (TRUENO_VULKAN_COOPERATIVE_MATRIX=1) */
    VkCommandPool pool;
    /* the batches: cur is being recorded (when recording), the others may
     * be on the queue (pending) */
    struct vk_batch {
        VkCommandBuffer cmd;
        VkFence fence;
        VkDescriptorPool dpool;
        bool pending;
    } ring[RING];
    uint32_t cur, batches;       /* batches: submitted since the host last waited for all */
    VkCommandBuffer cmd;         /* ring[cur].cmd while recording */
    /* what cmd has bound, so that a dispatch like the last one records
     * only what differs (a chain of small ops costs the host less): the
     * pipeline, the descriptor set and push constants of one layout, and
     * the sets made in this batch for a layout and its buffers */
    VkPipeline bound;
    VkPipelineLayout bound_layout;
    VkDescriptorSet bound_set;
    uint32_t pushed_bytes;
    unsigned char pushed[128];
    struct vk_set { VkDescriptorSetLayout dsl; VkBuffer buf[MAX_BINDINGS]; VkDescriptorSet set; } sets[8];
    uint32_t n_sets;
    VkPipelineCache pcache;
    vk_pipeline ew, ew4, mm, topk, reduce, colreduce, cast, softmax, norm, pool2d, conv;
    vk_pipeline mm16[2];           /* matmul.comp's float16 and bfloat16 modules, made at first use */
    vk_pipeline mm_coop[2][2];     /* matmul_coop.comp per [A k-contiguous][B k-contiguous], made at first use */
    double conv_gflops;            /* conv.comp's measured rate (calibration) */
    double mm16_gflops[2];         /* the float16 and bfloat16 matmul's measured rates (calibration) */
    vk_pipeline mm4[MM4_TILES][2][2]; /* matmul4.comp per [tile][A k-contiguous][B k-contiguous], made at first use */
    int mm4_forced;                /* TRUENO_VULKAN_MATMUL_TILE's entry of mm4_tiles, else -1 */
    uint32_t compute_units;        /* SMs or CUs where the driver says (VK_NV_shader_sm_builtins,
                                    * VK_AMD_shader_core_properties), else 0 */
    /* the element-wise pipelines specialised to one op code, per module
     * (EW_SCALAR, EW_VEC4, EW_F16, EW_BF16), made at its first use: the
     * generic float32 ones carry every op's registers */
    vk_pipeline ew_op[4][EW_CODES];
    /* the run of small contiguous float32 element-wise ops not yet recorded
     * (fuse_add): recorded as one dispatch of elementwise.comp's FUSED
     * module before anything else is recorded or submitted (and so before
     * any wait); a buffer it names that is freed meanwhile is kept until
     * the flush; one op alone goes the usual way */
    struct {
        bool on;                   /* TRUENO_VULKAN_FUSE is not 0 */
        fused_params p;            /* p.count: ops pending */
        vk_buffer *slot[FUSE_SLOTS];
        bool written[FUSE_SLOTS];
        uint32_t slots;
    } fuse;
    vk_pipeline fused;             /* made at first use */
    vk_buffer staging[2];          /* two halves: one fills while the other moves */
    VkCommandBuffer xfer[2];
    VkFence xfer_fence[2];
    uint32_t dispatches;
    VkBuffer written[BATCH_MAX * 2]; /* order(): a barrier clears it, and one falls before it overflows */
    uint32_t n_written;
    vk_buffer *free_later;
    vk_buffer *pinned;             /* host_alloc's buffers (next_free links them) */
    uint32_t mm_bm, mm_bn, mm_tm, mm_tn;
    char name[300], features[512], identity[80], vendor[32];
} vk_device;

typedef struct vk_instance {
    const trueno_host *host;
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    vk_device *devices[MAX_DEVICES];
    const trueno_device *list[MAX_DEVICES];
    uint32_t n_devices;
    char reason[256];
} vk_instance;

static void logf_(const trueno_host *h, uint32_t level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void logf_(const trueno_host *h, uint32_t level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    h->log(h->ctx, level, PLUGIN_NAME, msg);
}

static trueno_status status_of(vk_device *d, VkResult r)
{
    switch (r) {
    case VK_SUCCESS: return TRUENO_OK;
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return TRUENO_DEVICE_OUT_OF_MEMORY;
    case VK_ERROR_OUT_OF_HOST_MEMORY: return TRUENO_OUT_OF_MEMORY;
    case VK_ERROR_DEVICE_LOST:
        if (d) d->lost = true;
        return TRUENO_DEVICE_LOST;
    default: return TRUENO_DEVICE_ERROR;
    }
}

static VKAPI_ATTR VkBool32 VKAPI_CALL on_validation(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                    VkDebugUtilsMessageTypeFlagsEXT type,
                                                    const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
    (void)type;
    const trueno_host *h = user;
    if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)
        logf_(h, TRUENO_LOG_ERROR, "vulkan validation: %s", data->pMessage);
    return VK_FALSE;
}

/* ---- memory ------------------------------------------------------------------ */

static int memory_type(const vk_device *d, uint32_t bits, VkMemoryPropertyFlags want)
{
    for (uint32_t i = 0; i < d->mp.memoryTypeCount; i++)
        if ((bits >> i & 1) && (d->mp.memoryTypes[i].propertyFlags & want) == want) return (int)i;
    return -1;
}

static trueno_status make_buffer(vk_device *d, VkDeviceSize bytes, bool staging, vk_buffer *b)
{
    memset(b, 0, sizeof *b);
    b->bytes = bytes;
    VkBufferCreateInfo bi = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = bytes,
                             .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                      VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                             .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
    VkResult r = vkCreateBuffer(d->dev, &bi, NULL, &b->buf);
    if (r != VK_SUCCESS) return status_of(d, r);
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(d->dev, b->buf, &req);
    uint32_t type = staging ? d->mem_staging : d->mem_device;
    if (!(req.memoryTypeBits >> type & 1)) {
        vkDestroyBuffer(d->dev, b->buf, NULL);
        return TRUENO_DEVICE_ERROR;
    }
    VkMemoryAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .allocationSize = req.size,
                               .memoryTypeIndex = type};
    if ((r = vkAllocateMemory(d->dev, &ai, NULL, &b->mem)) != VK_SUCCESS) {
        vkDestroyBuffer(d->dev, b->buf, NULL);
        return status_of(d, r);
    }
    if ((r = vkBindBufferMemory(d->dev, b->buf, b->mem, 0)) == VK_SUCCESS && (staging || d->unified))
        r = vkMapMemory(d->dev, b->mem, 0, VK_WHOLE_SIZE, 0, &b->mapped);
    if (r != VK_SUCCESS) {
        vkDestroyBuffer(d->dev, b->buf, NULL);
        vkFreeMemory(d->dev, b->mem, NULL);
        return status_of(d, r);
    }
    return TRUENO_OK;
}

static void drop_buffer(vk_device *d, vk_buffer *b)
{
    if (b->mapped) vkUnmapMemory(d->dev, b->mem);
    vkDestroyBuffer(d->dev, b->buf, NULL);
    vkFreeMemory(d->dev, b->mem, NULL);
}

/* ---- batches ------------------------------------------------------------------- */

static trueno_status wait_batch(vk_device *d, struct vk_batch *b)
{
    if (!b->pending) return TRUENO_OK;
    b->pending = false;
    VkResult r = vkWaitForFences(d->dev, 1, &b->fence, VK_TRUE, UINT64_MAX);
    if (r == VK_SUCCESS) r = vkResetFences(d->dev, 1, &b->fence);
    return status_of(d, r);
}

static void full_barrier(vk_device *d, bool to_transfer);
static trueno_status fuse_record(vk_device *d);

/* Starts recording into the next batch of the ring, once the device has
 * finished what that batch held before. A batch that follows submitted
 * work opens with a barrier: barriers order commands within a queue's
 * submission order, so this one orders everything before it. */
static trueno_status begin_batch(vk_device *d)
{
    if (d->recording) return TRUENO_OK;
    struct vk_batch *b = &d->ring[d->cur];
    trueno_status s = wait_batch(d, b);
    if (s != TRUENO_OK) return s;
    VkResult r = vkResetDescriptorPool(d->dev, b->dpool, 0);
    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                   .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
    if (r == VK_SUCCESS) r = vkResetCommandBuffer(b->cmd, 0);
    if (r == VK_SUCCESS) r = vkBeginCommandBuffer(b->cmd, &bi);
    if (r != VK_SUCCESS) return status_of(d, r);
    d->cmd = b->cmd;
    d->bound = VK_NULL_HANDLE;
    d->bound_layout = VK_NULL_HANDLE;
    d->bound_set = VK_NULL_HANDLE;
    d->pushed_bytes = 0;
    d->n_sets = 0;
    d->recording = true;
    d->dispatches = 0;
    d->n_written = 0;
    if (d->submitted) {
        d->transfer_written = true; /* the staged uploads were copies */
        full_barrier(d, true);
    }
    return TRUENO_OK;
}

/* Ends the batch being recorded and puts it on the queue without waiting. */
static trueno_status submit(vk_device *d)
{
    if (d->fuse.p.count) {
        trueno_status s = fuse_record(d);
        if (s != TRUENO_OK) return s;
    }
    if (!d->recording) return TRUENO_OK;
    struct vk_batch *b = &d->ring[d->cur];
    d->recording = false;
    VkResult r = vkEndCommandBuffer(b->cmd);
    VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &b->cmd};
    if (r == VK_SUCCESS) r = vkQueueSubmit(d->queue, 1, &si, b->fence);
    if (r != VK_SUCCESS) return status_of(d, r);
    b->pending = true;
    d->submitted = true;
    d->batches++;
    d->cur = (d->cur + 1) % RING;
    return TRUENO_OK;
}

/* Submits the batch and waits for every batch on the queue; then frees the
 * buffers released while they were recorded. */
static trueno_status flush(vk_device *d)
{
    trueno_status s = submit(d);
    for (uint32_t i = 0; i < RING; i++) { /* oldest first */
        trueno_status w = wait_batch(d, &d->ring[(d->cur + i) % RING]);
        if (s == TRUENO_OK) s = w;
    }
    d->batches = 0;
    while (d->free_later) {
        vk_buffer *b = d->free_later;
        d->free_later = b->next_free;
        drop_buffer(d, b);
        d->host->aligned_free(d->host->ctx, b);
    }
    return s;
}

/* Whether a recorded or submitted batch may still use a buffer. */
static bool busy(const vk_device *d)
{
    if (d->recording) return true;
    for (uint32_t i = 0; i < RING; i++)
        if (d->ring[i].pending) return true;
    return false;
}

/* A memory barrier between every earlier shader write (and copy, if one
 * wrote since the last barrier) and every later shader access (and copy,
 * when the next command is one). */
static void full_barrier(vk_device *d, bool to_transfer)
{
    VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                          .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT};
    VkPipelineStageFlags src = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, dst = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
    if (d->transfer_written) {
        mb.srcAccessMask |= VK_ACCESS_TRANSFER_WRITE_BIT;
        src |= VK_PIPELINE_STAGE_TRANSFER_BIT;
    }
    if (to_transfer) {
        mb.dstAccessMask |= VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
        dst |= VK_PIPELINE_STAGE_TRANSFER_BIT;
    }
    vkCmdPipelineBarrier(d->cmd, src, dst, 0, 1, &mb, 0, NULL, 0, NULL);
    d->transfer_written = false;
    d->n_written = 0;
}

/* A barrier before a dispatch that reads or writes a buffer written
 * earlier in the batch (read-after-write, write-after-write); the
 * dispatch's outputs are then recorded as written. */
static void order(vk_device *d, const VkBuffer *touch, uint32_t n_touch, const VkBuffer *writes, uint32_t n_writes,
                  bool transfer)
{
    bool need = d->n_written + n_writes > sizeof d->written / sizeof *d->written; /* no room to track them */
    for (uint32_t i = 0; i < n_touch && !need; i++)
        for (uint32_t w = 0; w < d->n_written && !need; w++) need = d->written[w] == touch[i];
    if (need) full_barrier(d, transfer);
    for (uint32_t i = 0; i < n_writes; i++) d->written[d->n_written++] = writes[i];
}

/* Records one dispatch of pipeline p over the buffers (bound 0..n-1). */
static trueno_status dispatch(vk_device *d, vk_pipeline *p, vk_buffer *const *bufs, uint32_t n_bufs, uint32_t n_out,
                              const void *push, uint32_t push_bytes, uint32_t gx, uint32_t gy, uint32_t gz)
{
    if (d->fuse.p.count) { /* the pending run first */
        trueno_status s = fuse_record(d);
        if (s != TRUENO_OK) return s;
    }
    /* a full batch goes to the queue; so does the first few of a run of
     * batches sooner (32, 64, 128 dispatches), so the device starts while
     * the host records the rest */
    uint32_t limit = d->batches < 3 ? 32u << d->batches : BATCH_MAX;
    if (d->recording && d->dispatches >= limit) {
        trueno_status s = submit(d);
        if (s != TRUENO_OK) return s;
    }
    trueno_status s = begin_batch(d);
    if (s != TRUENO_OK) return s;
    VkBuffer touch[MAX_BINDINGS] = {VK_NULL_HANDLE};
    for (uint32_t i = 0; i < n_bufs; i++) touch[i] = bufs[i]->buf;
    VkDescriptorSet set = VK_NULL_HANDLE;
    for (uint32_t i = 0; i < d->n_sets && !set; i++)
        if (d->sets[i].dsl == p->dsl && !memcmp(d->sets[i].buf, touch, sizeof touch)) set = d->sets[i].set;
    if (!set) {
        VkDescriptorSetAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                          .descriptorPool = d->ring[d->cur].dpool, .descriptorSetCount = 1,
                                          .pSetLayouts = &p->dsl};
        VkResult r = vkAllocateDescriptorSets(d->dev, &ai, &set);
        if (r != VK_SUCCESS) return status_of(d, r);
        VkDescriptorBufferInfo info[MAX_BINDINGS];
        VkWriteDescriptorSet w[MAX_BINDINGS];
        for (uint32_t i = 0; i < n_bufs; i++) {
            info[i] = (VkDescriptorBufferInfo){bufs[i]->buf, 0, VK_WHOLE_SIZE};
            w[i] = (VkWriteDescriptorSet){.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, .dstSet = set,
                                          .dstBinding = i, .descriptorCount = 1,
                                          .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, .pBufferInfo = &info[i]};
        }
        vkUpdateDescriptorSets(d->dev, n_bufs, w, 0, NULL);
        struct vk_set *c = &d->sets[d->n_sets < 8 ? d->n_sets++ : d->dispatches % 8];
        *c = (struct vk_set){.dsl = p->dsl, .set = set};
        memcpy(c->buf, touch, sizeof touch);
    }
    order(d, touch, n_bufs, touch + n_bufs - n_out, n_out, false);
    if (d->bound != p->pipe) {
        vkCmdBindPipeline(d->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipe);
        d->bound = p->pipe;
    }
    if (d->bound_layout != p->layout) { /* sets and push constants are bound to a layout */
        d->bound_layout = p->layout;
        d->bound_set = VK_NULL_HANDLE;
        d->pushed_bytes = 0;
    }
    if (d->bound_set != set) {
        vkCmdBindDescriptorSets(d->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &set, 0, NULL);
        d->bound_set = set;
    }
    if (d->pushed_bytes != push_bytes || memcmp(d->pushed, push, push_bytes)) {
        vkCmdPushConstants(d->cmd, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes, push);
        if (push_bytes <= sizeof d->pushed) {
            memcpy(d->pushed, push, push_bytes);
            d->pushed_bytes = push_bytes;
        } else {
            d->pushed_bytes = 0;
        }
    }
    vkCmdDispatch(d->cmd, gx, gy, gz);
    d->dispatches++;
    return TRUENO_OK;
}

/* ---- pipelines ------------------------------------------------------------------- */

static trueno_status make_pipeline(vk_device *d, vk_pipeline *p, const uint32_t *code, size_t code_bytes,
                                   uint32_t bindings, uint32_t push_bytes, const uint32_t *spec, uint32_t n_spec)
{
    VkDescriptorSetLayoutBinding b[MAX_BINDINGS];
    for (uint32_t i = 0; i < bindings; i++)
        b[i] = (VkDescriptorSetLayoutBinding){i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, NULL};
    VkDescriptorSetLayoutCreateInfo dl = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
                                          .bindingCount = bindings, .pBindings = b};
    VkPushConstantRange pr = {VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes};
    VkShaderModuleCreateInfo sm = {.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, .codeSize = code_bytes,
                                   .pCode = code};
    VkShaderModule module = VK_NULL_HANDLE;
    VkResult r = vkCreateDescriptorSetLayout(d->dev, &dl, NULL, &p->dsl);
    VkPipelineLayoutCreateInfo pl = {.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO, .setLayoutCount = 1,
                                     .pSetLayouts = &p->dsl, .pushConstantRangeCount = 1, .pPushConstantRanges = &pr};
    if (r == VK_SUCCESS) r = vkCreatePipelineLayout(d->dev, &pl, NULL, &p->layout);
    if (r == VK_SUCCESS) r = vkCreateShaderModule(d->dev, &sm, NULL, &module);
    VkSpecializationMapEntry map[8];
    for (uint32_t i = 0; i < n_spec; i++) map[i] = (VkSpecializationMapEntry){i, i * 4, 4};
    VkSpecializationInfo si = {n_spec, map, n_spec * 4, spec};
    VkComputePipelineCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                  .module = module, .pName = "main", .pSpecializationInfo = n_spec ? &si : NULL},
        .layout = p->layout};
    if (r == VK_SUCCESS) r = vkCreateComputePipelines(d->dev, d->pcache, 1, &ci, NULL, &p->pipe);
    if (module) vkDestroyShaderModule(d->dev, module, NULL);
    p->bindings = bindings;
    p->local = n_spec ? spec[0] : 256;
    return status_of(d, r);
}

static void drop_pipeline(vk_device *d, vk_pipeline *p)
{
    if (p->pipe) vkDestroyPipeline(d->dev, p->pipe, NULL);
    if (p->layout) vkDestroyPipelineLayout(d->dev, p->layout, NULL);
    if (p->dsl) vkDestroyDescriptorSetLayout(d->dev, p->dsl, NULL);
}

/* The pipeline cache file, beside the core's cost cache: TRUENO_CACHE_DIR,
 * else $XDG_CACHE_HOME/trueno or ~/.cache/trueno; vulkan-<uuid>.bin with
 * the driver's pipelineCacheUUID. A privileged process (no HOME through
 * secure_getenv) keeps none. */
static int cache_path(const vk_device *d, char *path, size_t n, bool make_dirs)
{
    const char *own = d->host->secure_getenv(d->host->ctx, "TRUENO_CACHE_DIR");
    const char *xdg = d->host->secure_getenv(d->host->ctx, "XDG_CACHE_HOME");
    const char *home = d->host->secure_getenv(d->host->ctx, "HOME");
    char dir[1024];
    if (own && *own == '/') snprintf(dir, sizeof dir, "%s", own);
    else if (xdg && *xdg == '/') snprintf(dir, sizeof dir, "%s/trueno", xdg);
    else if (home && *home == '/') snprintf(dir, sizeof dir, "%s/.cache/trueno", home);
    else return -1;
    if (make_dirs) {
        char parent[1024];
        snprintf(parent, sizeof parent, "%s", dir);
        char *slash = strrchr(parent, '/');
        if (slash) *slash = 0;
        mkdir(parent, 0700);
        mkdir(dir, 0700);
    }
    char uuid[40] = "";
    for (unsigned i = 0; i < VK_UUID_SIZE; i++) snprintf(uuid + 2 * i, 3, "%02x", d->pp.pipelineCacheUUID[i]);
    return snprintf(path, n, "%s/vulkan-%s.bin", dir, uuid) < (int)n ? 0 : -1;
}

static void load_pipeline_cache(vk_device *d)
{
    char path[1200];
    void *data = NULL;
    size_t size = 0;
    FILE *f = cache_path(d, path, sizeof path, false) == 0 ? fopen(path, "rb") : NULL;
    if (f) {
        if (fseek(f, 0, SEEK_END) == 0) {
            long len = ftell(f);
            if (len > 0 && len < (64 << 20) && fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)len)) &&
                fread(data, 1, (size_t)len, f) == (size_t)len)
                size = (size_t)len;
        }
        fclose(f);
    }
    /* Vulkan checks the header (vendor, device, UUID) and ignores a foreign cache */
    VkPipelineCacheCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO, .initialDataSize = size,
                                    .pInitialData = size ? data : NULL};
    if (vkCreatePipelineCache(d->dev, &ci, NULL, &d->pcache) != VK_SUCCESS) d->pcache = VK_NULL_HANDLE;
    free(data);
}

static void save_pipeline_cache(vk_device *d)
{
    char path[1200], tmp[1300];
    size_t size = 0;
    if (!d->pcache || cache_path(d, path, sizeof path, true) != 0) return;
    if (vkGetPipelineCacheData(d->dev, d->pcache, &size, NULL) != VK_SUCCESS || size == 0) return;
    void *data = malloc(size);
    if (data && vkGetPipelineCacheData(d->dev, d->pcache, &size, data) == VK_SUCCESS) {
        snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
        FILE *f = fopen(tmp, "wb");
        if (f) {
            bool ok = fwrite(data, 1, size, f) == size;
            if (fclose(f) == 0 && ok) rename(tmp, path);
            else remove(tmp);
        }
    }
    free(data);
}

/* ---- layouts ------------------------------------------------------------------------ */

/* The element-wise layout: the output's axes with those contiguous in every
 * operand merged, extents of 1 dropped; false when more than 4 remain or an
 * index would not fit the shader's int32. */
static bool ew_layout(const trueno_op_desc *op, ew_params *p)
{
    const trueno_tensor_desc *o = op->outputs[0];
    const trueno_tensor_desc *t[3] = {op->inputs[0], op->n_inputs > 1 ? op->inputs[1] : op->inputs[0], o};
    int64_t shape[TRUENO_MAX_RANK], st[3][TRUENO_MAX_RANK];
    int r = 0;
    for (uint32_t ax = 0; ax < o->rank; ax++) {
        if (o->shape[ax] == 1) continue;
        if (r > 0) {
            bool merge = true;
            for (int k = 0; k < 3; k++) merge &= st[k][r - 1] == t[k]->strides[ax] * o->shape[ax];
            if (merge) {
                shape[r - 1] *= o->shape[ax];
                for (int k = 0; k < 3; k++) st[k][r - 1] = t[k]->strides[ax];
                continue;
            }
        }
        shape[r] = o->shape[ax];
        for (int k = 0; k < 3; k++) st[k][r] = t[k]->strides[ax];
        r++;
    }
    if (r == 0) { shape[0] = 1; for (int k = 0; k < 3; k++) st[k][0] = 0; r = 1; }
    if (r > 4) return false;
    int64_t n = 1;
    for (int i = 0; i < r; i++) n *= shape[i];
    if (n >= INT32_MAX) return false;
    memset(p, 0, sizeof *p);
    p->n = (uint32_t)n;
    p->rank = (uint32_t)r;
    for (int k = 0; k < 3; k++) {
        int64_t lo = t[k]->offset, hi = t[k]->offset;
        for (int i = 0; i < r; i++) {
            int64_t span = (shape[i] - 1) * st[k][i];
            if (span < 0) lo += span; else hi += span;
            if (st[k][i] > INT32_MAX || st[k][i] < -INT32_MAX) return false;
        }
        if (lo < 0 || hi >= INT32_MAX) return false;
    }
    for (int i = 0; i < r; i++) {
        p->shape[i] = (uint32_t)shape[i];
        p->sa[i] = (int32_t)st[0][i];
        p->sb[i] = (int32_t)st[1][i];
        p->so[i] = (int32_t)st[2][i];
    }
    p->oa = (uint32_t)t[0]->offset;
    p->ob = (uint32_t)t[1]->offset;
    p->oo = (uint32_t)o->offset;
    return true;
}

static int ew_code(uint32_t op)
{
    switch (op) {
    case TRUENO_OP_ADD: return EW_ADD;
    case TRUENO_OP_SUBTRACT: return EW_SUB;
    case TRUENO_OP_MULTIPLY: return EW_MUL;
    case TRUENO_OP_MAXIMUM: return EW_MAX;
    case TRUENO_OP_MINIMUM: return EW_MIN;
    case TRUENO_OP_NEGATIVE: return EW_NEG;
    case TRUENO_OP_ABS: return EW_ABS;
    case TRUENO_OP_SQUARE: return EW_SQUARE;
    case TRUENO_OP_RELU: return EW_RELU;
    case TRUENO_OP_EXP: return EW_EXP;
    case TRUENO_OP_LEAKY_RELU: return EW_LEAKY_RELU;
    case TRUENO_OP_CONTIGUOUS: return EW_COPY;
    case TRUENO_OP_FMAX: return EW_FMAX;
    case TRUENO_OP_FMIN: return EW_FMIN;
    case TRUENO_OP_COPYSIGN: return EW_COPYSIGN;
    case TRUENO_OP_LOG: return EW_LOG;
    case TRUENO_OP_TANH: return EW_TANH;
    case TRUENO_OP_SIGMOID: return EW_SIGMOID;
    case TRUENO_OP_SILU: return EW_SILU;
    case TRUENO_OP_GELU: return EW_GELU;
    case TRUENO_OP_EXPM1: return EW_EXPM1;
    case TRUENO_OP_LOG1P: return EW_LOG1P;
    case TRUENO_OP_ELU: return EW_ELU;
    case TRUENO_OP_SELU: return EW_SELU;
    case TRUENO_OP_SOFTPLUS: return EW_SOFTPLUS;
    case TRUENO_OP_LOGSIGMOID: return EW_LOGSIGMOID;
    case TRUENO_OP_SOFTSIGN: return EW_SOFTSIGN;
    case TRUENO_OP_RELU6: return EW_RELU6;
    case TRUENO_OP_HARDSIGMOID: return EW_HARDSIGMOID;
    case TRUENO_OP_HARDSWISH: return EW_HARDSWISH;
    case TRUENO_OP_RSQRT: return EW_RSQRT;
    case TRUENO_OP_FLOOR: return EW_FLOOR;
    case TRUENO_OP_CEIL: return EW_CEIL;
    case TRUENO_OP_ROUND: return EW_ROUND;
    case TRUENO_OP_TRUNC: return EW_TRUNC;
    case TRUENO_OP_SIGN: return EW_SIGN;
    default: return -1;
    }
}

static bool fits_int32(const trueno_tensor_desc *t, int64_t extra_offset)
{
    int64_t lo = t->offset + extra_offset, hi = lo;
    for (uint32_t i = 0; i < t->rank; i++) {
        int64_t span = (t->shape[i] - 1) * t->strides[i];
        if (t->shape[i] == 0) return true;
        if (span < 0) lo += span; else hi += span;
    }
    return lo >= 0 && hi < INT32_MAX;
}

/* matmul / gemm: float32, the batch axes of a matmul collapse into one
 * (z) with one stride per operand, or the op is declined */
static bool mm_layout(const vk_device *d, const trueno_op_desc *op, mm_params *p, uint32_t *batches)
{
    const trueno_tensor_desc *a = op->inputs[0], *b = op->inputs[1], *o = op->outputs[0];
    const trueno_tensor_desc *c0 = op->op == TRUENO_OP_GEMM ? op->inputs[2] : NULL;
    int r = (int)o->rank;
    if (r < 2 || a->rank != o->rank || b->rank != o->rank) return false;
    memset(p, 0, sizeof *p);
    int64_t m = o->shape[r - 2], n = o->shape[r - 1], k = a->shape[r - 1], z = 1;
    int64_t bz[3] = {0, 0, 0};
    const trueno_tensor_desc *t[3] = {a, b, o};
    /* batch index ζ = Σ idx·(inner extents): offset ζ·bz[q] needs each outer stride = bz[q]·(inner extents) */
    for (int ax = r - 3; ax >= 0; ax--) {
        if (o->shape[ax] == 1) continue;
        for (int q = 0; q < 3; q++) {
            if (z == 1) bz[q] = t[q]->strides[ax];
            else if (t[q]->strides[ax] != bz[q] * z) return false;
        }
        z *= o->shape[ax];
    }
    /* k = 0 (nothing to multiply: beta·C0) is left to the other backends */
    if (k == 0 || m >= 65535LL * d->mm_bm || n >= 65535LL * d->mm_bn || z > 65535 || k >= INT32_MAX) return false;
    for (int q = 0; q < 3; q++)
        if (!fits_int32(t[q], 0)) return false;
    if (c0 && !fits_int32(c0, 0)) return false;
    p->m = (uint32_t)m;
    p->n = (uint32_t)n;
    p->k = (uint32_t)k;
    p->sa0 = (int32_t)a->strides[r - 2];
    p->sa1 = (int32_t)a->strides[r - 1];
    p->sb0 = (int32_t)b->strides[r - 2];
    p->sb1 = (int32_t)b->strides[r - 1];
    p->sc0 = (int32_t)o->strides[r - 2];
    p->sc1 = (int32_t)o->strides[r - 1];
    p->ba = (int32_t)bz[0];
    p->bb = (int32_t)bz[1];
    p->bc = (int32_t)bz[2];
    p->oa = (uint32_t)a->offset;
    p->ob = (uint32_t)b->offset;
    p->oc = (uint32_t)o->offset;
    p->alpha = 1;
    if (c0) {
        p->alpha = (float)op->params->floats[0];
        p->beta = (float)op->params->floats[1];
        if (op->params->floats[1] != 0) {
            p->flags |= 1;
            p->sd0 = (int32_t)c0->strides[0];
            p->sd1 = (int32_t)c0->strides[1];
            p->od = (uint32_t)c0->offset;
        }
    }
    if (p->sa1 == 1 || a->shape[r - 1] == 1) p->flags |= 2;
    if (p->sb0 == 1 && b->shape[r - 1] != 1) p->flags |= 4;
    *batches = (uint32_t)z;
    return true;
}

/* Whether matmul4.comp takes the product: every operand's contiguous axis
 * has stride 1, and its extent, the offsets and the other strides are
 * multiples of 4 floats, so that each vec4 it reads or writes lies inside
 * one row; C and C0 row-major. */
static bool mm_vec4(const mm_params *p)
{
    bool ok = p->sc1 == 1 && p->sc0 % 4 == 0 && p->oc % 4 == 0 && p->bc % 4 == 0 && p->n % 4 == 0;
    if (p->flags & 1) ok = ok && p->sd1 == 1 && p->sd0 % 4 == 0 && p->od % 4 == 0 && p->bd % 4 == 0;
    ok = ok && p->oa % 4 == 0 && p->ba % 4 == 0 && p->ob % 4 == 0 && p->bb % 4 == 0;
    ok = ok && ((p->flags & 2) ? p->sa1 == 1 && p->sa0 % 4 == 0 && p->k % 4 == 0
                               : p->sa0 == 1 && p->sa1 % 4 == 0 && p->m % 4 == 0);
    ok = ok && ((p->flags & 4) ? p->sb0 == 1 && p->sb1 % 4 == 0 && p->k % 4 == 0
                               : p->sb1 == 1 && p->sb0 % 4 == 0 && p->n % 4 == 0);
    return ok;
}

/* Whether matmul.comp's 16-bit modules take the product: C (and C0 is
 * read element by element) with unit column stride and an even width,
 * row stride, offset and batch stride, so that each invocation's pair of
 * columns is one word of C; the grid of 64×64 tiles within the limits. */
static bool mm_half_ok(const mm_params *p)
{
    return p->sc1 == 1 && p->n % 2 == 0 && p->sc0 % 2 == 0 && p->oc % 2 == 0 && p->bc % 2 == 0 &&
           p->m < 65535u * 64 && p->n < 65535u * 64;
}

/* Whether matmul_coop.comp takes a float16 product: cooperative matrices
 * enabled, m, n, k multiples of 16, each operand's contiguous axis of
 * stride 1 and its leading dimension, offset and batch stride multiples
 * of 8 elements (16 bytes); C and C0 row-major. */
static bool mm_coop_ok(const vk_device *d, const trueno_op_desc *op, const mm_params *p)
{
    bool a_kc = p->flags & 2, b_kc = p->flags & 4;
    int32_t lda = a_kc ? p->sa0 : p->sa1, ldb = b_kc ? p->sb1 : p->sb0;
    bool ok = d->coop && op->dtype == TRUENO_DTYPE_FLOAT16 && p->m % 16 == 0 && p->n % 16 == 0 && p->k % 16 == 0;
    ok = ok && (a_kc ? p->sa1 : p->sa0) == 1 && (b_kc ? p->sb0 : p->sb1) == 1 && lda > 0 && ldb > 0 &&
         lda % 8 == 0 && ldb % 8 == 0 && p->sc1 == 1 && p->sc0 > 0 && p->sc0 % 8 == 0;
    ok = ok && p->oa % 8 == 0 && p->ob % 8 == 0 && p->oc % 8 == 0 && p->ba % 8 == 0 && p->bb % 8 == 0 &&
         p->bc % 8 == 0;
    if (p->flags & 1) ok = ok && p->sd1 == 1 && p->sd0 > 0 && p->sd0 % 8 == 0 && p->od % 8 == 0;
    return ok;
}

/* The leading `lead` axes of the operands (all of the same extents there)
 * as one axis of *rows with one stride per operand, or false when they do
 * not collapse (a view whose rows are not evenly spaced). */
static bool collapse_rows(const trueno_tensor_desc *const *t, int nt, int lead, int64_t *rows, int32_t *stride)
{
    int64_t z = 1, st[4] = {0, 0, 0, 0};
    for (int ax = lead - 1; ax >= 0; ax--) {
        if (t[0]->shape[ax] == 1) continue;
        for (int q = 0; q < nt; q++) {
            if (z == 1) st[q] = t[q]->strides[ax];
            else if (t[q]->strides[ax] != st[q] * z) return false;
        }
        z *= t[0]->shape[ax];
    }
    for (int q = 0; q < nt; q++) {
        if (st[q] > INT32_MAX || st[q] < -INT32_MAX) return false;
        stride[q] = (int32_t)st[q];
    }
    *rows = z;
    return z < INT32_MAX;
}

/* The row view every op along the last axis uses: the operands t[0..nt)
 * have the same leading extents, a last axis of *n elements (t[0]'s),
 * leading axes collapsed into *rows with one row stride each; every index
 * fits the shaders' int32. */
static bool row_layout(const trueno_tensor_desc *const *t, int nt, int64_t *n, int64_t *rows, int32_t *row_stride)
{
    int r = (int)t[0]->rank;
    if (r < 1 || t[0]->shape[r - 1] >= INT32_MAX) return false;
    for (int q = 0; q < nt; q++)
        if (!fits_int32(t[q], 0) || t[q]->strides[r - 1] > INT32_MAX || t[q]->strides[r - 1] < -INT32_MAX) return false;
    *n = t[0]->shape[r - 1];
    return collapse_rows(t, nt, r - 1, rows, row_stride);
}

/* topk along the last axis (the leading axes as rows), k <= TOPK_KMAX */
static bool topk_layout(const trueno_op_desc *op, topk_params *p)
{
    const trueno_tensor_desc *a = op->inputs[0], *v = op->outputs[0], *ix = op->outputs[1];
    int r = (int)a->rank;
    const trueno_tensor_desc *t[3] = {a, v, ix};
    int64_t n, rows;
    int32_t st[3];
    if (op->params->ints[0] != r - 1 || op->params->ints[1] > TOPK_KMAX || op->params->ints[1] < 1 ||
        ix->dtype != TRUENO_DTYPE_INT64 || v->dtype != TRUENO_DTYPE_FLOAT32 || !row_layout(t, 3, &n, &rows, st) ||
        2 * (ix->offset + trueno_desc_numel(ix)) >= INT32_MAX) /* int64 indices as two words */
        return false;
    memset(p, 0, sizeof *p);
    p->n = (uint32_t)n;
    p->k = (uint32_t)op->params->ints[1];
    p->largest = op->params->ints[2] != 0;
    p->rows = (uint32_t)rows;
    p->sx0 = st[0];
    p->sx1 = (int32_t)a->strides[r - 1];
    p->sv0 = st[1];
    p->sv1 = (int32_t)v->strides[r - 1];
    p->si0 = st[2];
    p->si1 = (int32_t)ix->strides[r - 1];
    p->ox = (uint32_t)a->offset;
    p->ov = (uint32_t)v->offset;
    p->oi = (uint32_t)ix->offset;
    return true;
}

/* sum, mean, amax, amin, argmax, argmin of float32 along the last axis
 * (the leading axes as rows; reduce.comp's op codes 0..5) */
static int reduce_code(uint32_t op)
{
    switch (op) {
    case TRUENO_OP_SUM: return 0;
    case TRUENO_OP_MEAN: return 1;
    case TRUENO_OP_AMAX: return 2;
    case TRUENO_OP_AMIN: return 3;
    case TRUENO_OP_ARGMAX: return 4;
    case TRUENO_OP_ARGMIN: return 5;
    default: return -1;
    }
}

static bool reduce_layout(const trueno_op_desc *op, reduce_params *p)
{
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    int r = (int)a->rank, code = reduce_code(op->op);
    bool arg = op->op == TRUENO_OP_ARGMAX || op->op == TRUENO_OP_ARGMIN;
    const trueno_tensor_desc *t[2] = {a, o};
    int64_t n, rows;
    int32_t st[2];
    if (code < 0 || r < 1 || op->params->ints[0] != (int64_t)1 << (r - 1) ||
        o->dtype != (arg ? TRUENO_DTYPE_INT64 : TRUENO_DTYPE_FLOAT32) || !row_layout(t, 2, &n, &rows, st) || n == 0 ||
        (arg && 2 * (o->offset + trueno_desc_numel(o)) >= INT32_MAX))
        return false;
    memset(p, 0, sizeof *p);
    p->n = (uint32_t)n;
    p->op = (uint32_t)code;
    p->rows = (uint32_t)rows;
    p->sx0 = st[0];
    p->sx1 = (int32_t)a->strides[r - 1];
    p->so0 = st[1];
    p->ox = (uint32_t)a->offset;
    p->oo = (uint32_t)o->offset;
    return true;
}

/* The reductions reduce_layout leaves: over one run of axes followed by
 * kept ones, input and output contiguous (sum(axis=0) of a matrix), as
 * (outer, rows, inner); every index within int32 */
static bool colreduce_layout(const trueno_op_desc *op, colreduce_params *p)
{
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    int code = reduce_code(op->op);
    bool arg = op->op == TRUENO_OP_ARGMAX || op->op == TRUENO_OP_ARGMIN;
    uint64_t mask = (uint64_t)op->params->ints[0];
    uint32_t r = a->rank, first = 0, last;
    while (first < r && !(mask >> first & 1)) first++;
    for (last = first; last < r && (mask >> last & 1); last++) {}
    if (code < 0 || first == r || last == r || mask >> last ||
        o->dtype != (arg ? TRUENO_DTYPE_INT64 : TRUENO_DTYPE_FLOAT32))
        return false;
    int64_t dims[3] = {1, 1, 1}, expect = 1; /* outer, rows, inner */
    for (uint32_t ax = 0; ax < r; ax++) dims[ax < first ? 0 : ax < last ? 1 : 2] *= a->shape[ax];
    for (uint32_t ax = r; ax-- > 0;) { /* C order, extents of 1 aside */
        if (a->shape[ax] != 1 && a->strides[ax] != expect) return false;
        expect *= a->shape[ax];
    }
    expect = 1;
    for (uint32_t ax = o->rank; ax-- > 0;) {
        if (o->shape[ax] != 1 && o->strides[ax] != expect) return false;
        expect *= o->shape[ax];
    }
    int64_t outputs = dims[0] * dims[2];
    if (dims[1] == 0 || outputs == 0 || a->offset + dims[0] * dims[1] * dims[2] >= INT32_MAX || /* empty: no buffer */
        2 * (o->offset + outputs) >= INT32_MAX)
        return false;
    *p = (colreduce_params){.rows = (uint32_t)dims[1], .inner = (uint32_t)dims[2], .outputs = (uint32_t)outputs,
                            .op = (uint32_t)code, .ox = (uint32_t)a->offset, .oo = (uint32_t)o->offset};
    return true;
}

/* cast.comp's code of a dtype (float32, int32, float16, bfloat16), else -1 */
static int cast_kind(uint32_t dt)
{
    return dt == TRUENO_DTYPE_FLOAT32 ? 0 : dt == TRUENO_DTYPE_INT32 ? 1 : dt == TRUENO_DTYPE_FLOAT16 ? 2
           : dt == TRUENO_DTYPE_BFLOAT16 ? 3 : -1;
}

/* CAST between float32, int32, float16 and bfloat16, and CONTIGUOUS of
 * int32, float16 and bfloat16 (float32's is an element-wise copy): the
 * input any view of at most four axes once collapsed (ew_layout), the
 * output contiguous; a 16-bit output of an even count at an even offset
 * (an invocation writes whole words). */
static bool cast_layout(const trueno_op_desc *op, cast_params *p)
{
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    int from = cast_kind(a->dtype), to = cast_kind(o->dtype);
    int64_t n = trueno_desc_numel(o);
    bool half_out = to >= 2;
    bool copy = op->op == TRUENO_OP_CONTIGUOUS && a->dtype == o->dtype && from > 0;
    ew_params e;
    if (!(op->op == TRUENO_OP_CAST ? from >= 0 && to >= 0 && from != to : copy) || n == 0 || n >= INT32_MAX / 2 ||
        (half_out && (n % 2 || o->offset % 2)) || !ew_layout(op, &e))
        return false;
    for (uint32_t i = 0, expect = 1; i < e.rank; i++) { /* the output C-contiguous */
        uint32_t ax = e.rank - 1 - i;
        if (e.so[ax] != (int32_t)expect) return false;
        expect *= e.shape[ax];
    }
    *p = (cast_params){.n = (uint32_t)n, .from = (uint32_t)from, .to = (uint32_t)to,
                       .words = (uint32_t)(half_out ? n / 2 : n), .ox = e.oa, .oo = e.oo, .rank = e.rank};
    for (uint32_t i = 0; i < e.rank; i++) {
        p->shape[i] = e.shape[i];
        p->sx[i] = e.sa[i];
    }
    return true;
}

/* The row view of input 0 and output 0 along the last axis (the leading
 * axes as rows), for softmax, log_softmax, layer_norm and rms_norm */
static bool row_params(const trueno_op_desc *op, uint32_t flag, row_header *p)
{
    const trueno_tensor_desc *a = op->inputs[0], *o = op->outputs[0];
    int r = (int)a->rank;
    const trueno_tensor_desc *t[2] = {a, o};
    int64_t n, rows;
    int32_t st[2];
    if (!row_layout(t, 2, &n, &rows, st)) return false;
    memset(p, 0, sizeof *p);
    p->n = (uint32_t)n;
    p->flag = flag;
    p->rows = (uint32_t)rows;
    p->sx0 = st[0];
    p->sx1 = (int32_t)a->strides[r - 1];
    p->so0 = st[1];
    p->so1 = (int32_t)o->strides[r - 1];
    p->ox = (uint32_t)a->offset;
    p->oo = (uint32_t)o->offset;
    return true;
}

/* softmax / log_softmax along the last axis */
static bool softmax_layout(const trueno_op_desc *op, row_header *p)
{
    return op->params->ints[0] == (int64_t)op->inputs[0]->rank - 1 &&
           row_params(op, op->op == TRUENO_OP_LOG_SOFTMAX, p);
}

/* layer_norm / rms_norm over the last axis (ints[0] == 1), weight and bias
 * contiguous */
static bool norm_layout(const trueno_op_desc *op, norm_params *p)
{
    const trueno_tensor_desc *w = op->inputs[1], *b = op->op == TRUENO_OP_LAYER_NORM ? op->inputs[2] : w;
    if (op->params->ints[0] != 1 || !row_params(op, op->op == TRUENO_OP_RMS_NORM, &p->row) || p->row.n == 0)
        return false;
    int64_t n = p->row.n;
    if (w->rank != 1 || b->rank != 1 || w->shape[0] != n || b->shape[0] != n ||
        (n > 1 && (w->strides[0] != 1 || b->strides[0] != 1)) || !fits_int32(w, 0) || !fits_int32(b, 0) ||
        w->dtype != TRUENO_DTYPE_FLOAT32 || b->dtype != TRUENO_DTYPE_FLOAT32)
        return false;
    p->ow = (uint32_t)w->offset;
    p->ob = (uint32_t)b->offset;
    p->eps = (float)op->params->floats[0];
    return true;
}

/* int32 element offsets for every element of t */
static bool fits_int32(const trueno_tensor_desc *t, int64_t extra_offset);

static bool copy_strides4(const trueno_tensor_desc *t, int32_t *s)
{
    if (t->rank != 4 || !fits_int32(t, 0)) return false;
    for (int i = 0; i < 4; i++) s[i] = (int32_t)t->strides[i];
    return true;
}

/* MAX_POOL2D, AVG_POOL2D, ADAPTIVE_AVG_POOL2D of float32 (N, C, H, W) */
static bool pool_layout(const trueno_op_desc *op, pool_params *p)
{
    const trueno_tensor_desc *x = op->inputs[0], *o = op->outputs[0];
    memset(p, 0, sizeof *p);
    if (!copy_strides4(x, p->sx) || !copy_strides4(o, p->so)) return false;
    int64_t total = trueno_desc_numel(o);
    if (total >= INT32_MAX) return false;
    const int64_t *q = op->params->ints;
    p->op = op->op == TRUENO_OP_MAX_POOL2D ? 0 : op->op == TRUENO_OP_AVG_POOL2D ? 1 : 2;
    p->total = (uint32_t)total;
    p->C = (int32_t)x->shape[1];
    p->H = (int32_t)x->shape[2];
    p->W = (int32_t)x->shape[3];
    p->OH = (int32_t)o->shape[2];
    p->OW = (int32_t)o->shape[3];
    if (p->op < 2) {
        for (int i = 0; i < (p->op == 0 ? 8 : 7); i++)
            if (q[i] < 0 || q[i] > 65535) return false;
        p->kh = (int32_t)q[0], p->kw = (int32_t)q[1], p->sh = (int32_t)q[2], p->sw = (int32_t)q[3];
        p->ph = (int32_t)q[4], p->pw = (int32_t)q[5];
        if (p->op == 0) p->dh = (int32_t)q[6], p->dw = (int32_t)q[7];
        else p->count_pad = q[6] != 0;
    }
    p->ox = (uint32_t)x->offset;
    p->oo = (uint32_t)o->offset;
    return true;
}

/* CONV2D of float32 with contiguous weights */
static bool conv_layout(const trueno_op_desc *op, conv_params *p)
{
    const trueno_tensor_desc *x = op->inputs[0], *w = op->inputs[1], *b = op->inputs[2], *o = op->outputs[0];
    memset(p, 0, sizeof *p);
    if (!copy_strides4(x, p->sx) || !copy_strides4(o, p->so) || w->rank != 4 || b->rank != 1 ||
        !fits_int32(w, 0) || !fits_int32(b, 0))
        return false;
    int64_t expect = 1; /* w C-contiguous */
    for (int i = 3; i >= 0; i--) {
        if (w->shape[i] != 1 && w->strides[i] != expect) return false;
        expect *= w->shape[i];
    }
    int64_t total = trueno_desc_numel(o);
    const int64_t *q = op->params->ints;
    if (total >= INT32_MAX || q[6] <= 0) return false;
    for (int i = 0; i < 7; i++)
        if (q[i] < 0 || q[i] > 65535) return false;
    p->total = (uint32_t)total;
    p->C = (int32_t)x->shape[1], p->H = (int32_t)x->shape[2], p->W = (int32_t)x->shape[3];
    p->OC = (int32_t)o->shape[1], p->OH = (int32_t)o->shape[2], p->OW = (int32_t)o->shape[3];
    p->kh = (int32_t)w->shape[2], p->kw = (int32_t)w->shape[3];
    p->sh = (int32_t)q[0], p->sw = (int32_t)q[1], p->ph = (int32_t)q[2], p->pw = (int32_t)q[3];
    p->dh = (int32_t)q[4], p->dw = (int32_t)q[5], p->groups = (int32_t)q[6];
    p->sb = (int32_t)b->strides[0];
    p->ox = (uint32_t)x->offset, p->ow = (uint32_t)w->offset, p->ob = (uint32_t)b->offset, p->oo = (uint32_t)o->offset;
    return true;
}

/* the element-wise ops' parameters the shaders have */
static bool ew_params_ok(const trueno_op_desc *op)
{
    return !(op->op == TRUENO_OP_GELU && op->params->ints[1]) && /* not the tanh approximation */
           !(op->op == TRUENO_OP_SOFTPLUS && (op->params->floats[0] != 1 || op->params->floats[1] != 20));
}

static bool supported(const vk_device *d, const trueno_op_desc *op)
{
    if (op->op == TRUENO_OP_MAX_POOL2D || op->op == TRUENO_OP_AVG_POOL2D || op->op == TRUENO_OP_ADAPTIVE_AVG_POOL2D) {
        pool_params p;
        return !d->lost && op->dtype == TRUENO_DTYPE_FLOAT32 && op->outputs[0]->dtype == TRUENO_DTYPE_FLOAT32 &&
               pool_layout(op, &p);
    }
    if (op->op == TRUENO_OP_CONV2D) {
        conv_params p;
        return !d->lost && op->dtype == TRUENO_DTYPE_FLOAT32 && op->outputs[0]->dtype == TRUENO_DTYPE_FLOAT32 &&
               conv_layout(op, &p);
    }
    if (op->op == TRUENO_OP_LAYER_NORM || op->op == TRUENO_OP_RMS_NORM) {
        norm_params p;
        return !d->lost && d->norm.pipe && op->dtype == TRUENO_DTYPE_FLOAT32 &&
               op->outputs[0]->dtype == TRUENO_DTYPE_FLOAT32 && norm_layout(op, &p);
    }
    if (op->op == TRUENO_OP_SOFTMAX || op->op == TRUENO_OP_LOG_SOFTMAX) {
        row_header p;
        return !d->lost && op->dtype == TRUENO_DTYPE_FLOAT32 && op->outputs[0]->dtype == TRUENO_DTYPE_FLOAT32 &&
               softmax_layout(op, &p);
    }
    if (reduce_code(op->op) >= 0) {
        reduce_params p;
        colreduce_params cp;
        return !d->lost && op->dtype == TRUENO_DTYPE_FLOAT32 && (reduce_layout(op, &p) || colreduce_layout(op, &cp));
    }
    if (op->op == TRUENO_OP_TOPK) {
        topk_params p;
        return !d->lost && d->topk.pipe && op->dtype == TRUENO_DTYPE_FLOAT32 && topk_layout(op, &p);
    }
    if (op->op == TRUENO_OP_CAST || (op->op == TRUENO_OP_CONTIGUOUS && op->dtype != TRUENO_DTYPE_FLOAT32)) {
        cast_params p;
        return !d->lost && cast_layout(op, &p);
    }
    if ((op->op == TRUENO_OP_MATMUL || op->op == TRUENO_OP_GEMM) &&
        (op->dtype == TRUENO_DTYPE_FLOAT16 || op->dtype == TRUENO_DTYPE_BFLOAT16)) {
        mm_params p;
        uint32_t z;
        for (uint32_t i = 0; i < op->n_inputs; i++)
            if (op->inputs[i]->dtype != op->dtype) return false;
        return !d->lost && op->outputs[0]->dtype == op->dtype && mm_layout(d, op, &p, &z) && mm_half_ok(&p);
    }
    if (op->dtype == TRUENO_DTYPE_FLOAT16 || op->dtype == TRUENO_DTYPE_BFLOAT16) {
        /* 16-bit element-wise ops (elementwise.comp -DFLOAT16/-DBFLOAT16):
         * a contiguous output of an even count at an even offset; inputs
         * contiguous at even offsets or one element broadcast */
        ew_params p;
        if (d->lost || ew_code(op->op) < 0 || op->op == TRUENO_OP_CONTIGUOUS || !ew_params_ok(op) ||
            op->n_outputs != 1 || op->outputs[0]->dtype != op->dtype || !ew_layout(op, &p))
            return false;
        for (uint32_t i = 0; i < op->n_inputs; i++)
            if (op->inputs[i]->dtype != op->dtype) return false;
        bool unary = op->n_inputs == 1;
        return p.rank == 1 && p.so[0] == 1 && p.n % 2 == 0 && p.oo % 2 == 0 &&
               (p.sa[0] == 0 || (p.sa[0] == 1 && p.oa % 2 == 0)) &&
               (unary || p.sb[0] == 0 || (p.sb[0] == 1 && p.ob % 2 == 0));
    }
    if (d->lost || op->dtype != TRUENO_DTYPE_FLOAT32) return false;
    for (uint32_t i = 0; i < op->n_outputs; i++)
        if (op->outputs[i]->dtype != TRUENO_DTYPE_FLOAT32) return false;
    if (op->op == TRUENO_OP_MATMUL || op->op == TRUENO_OP_GEMM) {
        mm_params p;
        uint32_t z;
        return mm_layout(d, op, &p, &z);
    }
    ew_params p;
    return ew_code(op->op) >= 0 && ew_params_ok(op) && op->n_outputs == 1 && ew_layout(op, &p);
}

/* ---- the cost model ---------------------------------------------------------------- */

/* Row ops (reductions, softmax, topk along the last axis) give each row
 * one workgroup, so they stream at the device's bandwidth only with enough
 * rows: at most rows × row_gbs (a 64M-element sum of one row ran 46× slower
 * on the H200 than its CPU while it was priced as element-wise). */
static double model_ns(const vk_device *d, const trueno_op_desc *op)
{
    const trueno_cost_model *c = &d->cost;
    bool mm = op->op == TRUENO_OP_MATMUL || op->op == TRUENO_OP_GEMM;
    bool row_op = reduce_code(op->op) >= 0 || op->op == TRUENO_OP_SOFTMAX || op->op == TRUENO_OP_LOG_SOFTMAX ||
                  op->op == TRUENO_OP_TOPK || op->op == TRUENO_OP_LAYER_NORM || op->op == TRUENO_OP_RMS_NORM;
    double bw = c->bandwidth_gbs;
    const trueno_tensor_desc *a = op->inputs[0];
    reduce_params rp;
    colreduce_params cp;
    if (reduce_code(op->op) >= 0 && !reduce_layout(op, &rp) && colreduce_layout(op, &cp)) {
        /* one invocation per column: a workgroup of 256 columns streams about as fast as one row's */
        double groups = (double)cp.outputs / 256;
        if (d->row_gbs > 0 && groups * d->row_gbs < bw) bw = groups * d->row_gbs;
    } else if (row_op && d->row_gbs > 0 && a->rank > 0 && a->shape[a->rank - 1] > 0) {
        double rows = (double)trueno_desc_numel(a) / (double)a->shape[a->rank - 1];
        if (rows * d->row_gbs < bw) bw = rows * d->row_gbs;
    }
    double rate = op->op == TRUENO_OP_CONV2D ? d->conv_gflops : c->gflops[TRUENO_OP_CLASS_ELEMENTWISE];
    if (mm)
        rate = op->dtype == TRUENO_DTYPE_FLOAT16    ? d->mm16_gflops[0]
               : op->dtype == TRUENO_DTYPE_BFLOAT16 ? d->mm16_gflops[1]
                                                     : c->gflops[TRUENO_OP_CLASS_MATMUL];
    double t_flop = trueno_op_flops(op) / rate;
    double t_byte = trueno_op_bytes(op) / bw;
    return c->launch_ns + (t_flop > t_byte ? t_flop : t_byte);
}

static trueno_status vk_estimate(void *dev, const trueno_op_desc *op, double *ns)
{
    vk_device *d = dev;
    if (!supported(d, op)) return TRUENO_UNSUPPORTED;
    *ns = model_ns(d, op);
    return TRUENO_OK;
}

/* ---- execute ------------------------------------------------------------------------ */

static bool bindable(const vk_device *d, const vk_buffer *b)
{
    return b->bytes <= d->pp.limits.maxStorageBufferRange;
}

/* One workgroup per row (a second grid dimension past 65535 rows). */
static trueno_status dispatch_rows(vk_device *d, vk_pipeline *pipe, vk_buffer *const *bufs, uint32_t n_bufs,
                                   uint32_t n_out, const void *push, uint32_t push_bytes, uint32_t rows)
{
    for (uint32_t i = 0; i < n_bufs; i++)
        if (!bindable(d, bufs[i])) return TRUENO_UNSUPPORTED;
    if (rows == 0) return TRUENO_OK;
    uint32_t gx = rows < 65535 ? rows : 65535;
    return dispatch(d, pipe, bufs, n_bufs, n_out, push, push_bytes, gx, (rows + gx - 1) / gx, 1);
}

/* One invocation per element of n: a grid of workgroups of the pipeline's
 * size, rows of at most 65535 of them; *rows (in the push constants)
 * receives the invocations per grid row. */
static trueno_status dispatch_grid(vk_device *d, vk_pipeline *pipe, vk_buffer *const *bufs, uint32_t n_bufs,
                                   uint32_t n_out, void *push, uint32_t push_bytes, uint32_t n, uint32_t *rows)
{
    for (uint32_t i = 0; i < n_bufs; i++)
        if (!bindable(d, bufs[i])) return TRUENO_UNSUPPORTED;
    if (n == 0) return TRUENO_OK;
    uint32_t groups = (n + pipe->local - 1) / pipe->local, gx = groups < 65535 ? groups : 65535;
    *rows = gx * pipe->local;
    return dispatch(d, pipe, bufs, n_bufs, n_out, push, push_bytes, gx, (groups + gx - 1) / gx, 1);
}

/* A pipeline made at its first use: keeps what make() gave, or remembers
 * that it failed (dropping what was half made) so it is not tried again. */
static vk_pipeline *made_once(vk_device *d, vk_pipeline *p, trueno_status s)
{
    if (s != TRUENO_OK) {
        drop_pipeline(d, p);
        *p = (vk_pipeline){.failed = true};
    }
    return p->pipe ? p : NULL;
}

/* An element-wise pipeline from module `variant` (EW_*): the float32 ones
 * keep float32 subnormals where the device can (d->denorm) */
static trueno_status make_ew_pipeline(vk_device *d, vk_pipeline *p, int variant, const uint32_t *spec, uint32_t n_spec)
{
    static const struct { const uint32_t *code; size_t bytes; } modules[4][2] = {
        {{spv_elementwise, sizeof spv_elementwise}, {spv_elementwise_dp, sizeof spv_elementwise_dp}},
        {{spv_elementwise4, sizeof spv_elementwise4}, {spv_elementwise4_dp, sizeof spv_elementwise4_dp}},
        {{spv_elementwise_f16, sizeof spv_elementwise_f16}, {spv_elementwise_f16, sizeof spv_elementwise_f16}},
        {{spv_elementwise_bf16, sizeof spv_elementwise_bf16}, {spv_elementwise_bf16, sizeof spv_elementwise_bf16}}};
    const uint32_t *code = modules[variant][d->denorm].code;
    return make_pipeline(d, p, code, modules[variant][d->denorm].bytes, 3, sizeof(ew_params), spec, n_spec);
}

/* The element-wise pipeline of module `variant` for op code `code`:
 * specialised to it (constant_id 1), made at its first use, so that the
 * driver compiles that op alone instead of every op's code and registers
 * (on the H200, 64M float32, the same sequence of cells: log 262 -> 152
 * us, tanh 515 -> 346, gelu 1.64 -> 1.03 ms). Where the specialised one
 * cannot be made, the generic float32 one, and none for 16-bit operands. */
static vk_pipeline *ew_pipeline(vk_device *d, int variant, uint32_t code)
{
    vk_pipeline *p = &d->ew_op[variant][code];
    if (!p->pipe && !p->failed) {
        uint32_t spec[2] = {d->ew.local, code};
        made_once(d, p, make_ew_pipeline(d, p, variant, spec, 2));
    }
    if (p->pipe) return p;
    return variant == EW_VEC4 ? &d->ew4 : variant == EW_SCALAR ? &d->ew : NULL;
}

/* Whether the device can run matmul4.comp with tile t on an m×n×z grid
 * of workgroups */
static bool mm4_tile_fits(const vk_device *d, const mm4_tile_size *t, uint32_t m, uint32_t n, uint32_t z)
{
    const VkPhysicalDeviceLimits *l = &d->pp.limits;
    uint32_t threads = mm4_threads(t);
    return mm4_shared_bytes(t) <= l->maxComputeSharedMemorySize && threads <= l->maxComputeWorkGroupInvocations &&
           threads <= l->maxComputeWorkGroupSize[0] && (n + t->bn - 1) / t->bn <= l->maxComputeWorkGroupCount[0] &&
           (m + t->bm - 1) / t->bm <= l->maxComputeWorkGroupCount[1] && z <= l->maxComputeWorkGroupCount[2];
}

/* matmul4.comp's tile for an m×n product over z batches: the forced one
 * (TRUENO_VULKAN_MATMUL_TILE) where it fits, else the largest that fits
 * and gives half the compute units a workgroup (32 workgroups where the
 * driver does not say how many units it has), else the fitting one with
 * the most workgroups; -1 where none fits. */
static int mm4_tile(const vk_device *d, uint32_t m, uint32_t n, uint32_t z)
{
    if (d->mm4_forced >= 0) return mm4_tile_fits(d, &mm4_tiles[d->mm4_forced], m, n, z) ? d->mm4_forced : -1;
    uint64_t want = d->compute_units ? d->compute_units / 2 : 32;
    int last = -1;
    for (int i = 0; i < (int)MM4_TILES; i++) {
        const mm4_tile_size *t = &mm4_tiles[i];
        if (!mm4_tile_fits(d, t, m, n, z)) continue;
        uint64_t groups = (uint64_t)((m + t->bm - 1) / t->bm) * ((n + t->bn - 1) / t->bn) * z;
        if (groups >= want) return i;
        last = i;
    }
    return last;
}

/* A matmul pipeline (four bindings, mm_params) made at its first use, or
 * NULL where it cannot be made */
static vk_pipeline *mm_pipeline(vk_device *d, vk_pipeline *p, const uint32_t *code, size_t bytes, const uint32_t *spec,
                                uint32_t n_spec)
{
    if (p->pipe || p->failed) return p->pipe ? p : NULL;
    return made_once(d, p, make_pipeline(d, p, code, bytes, 4, sizeof(mm_params), spec, n_spec));
}

static vk_pipeline *mm4_pipeline(vk_device *d, int tile, bool a_kc, bool b_kc)
{
    const mm4_tile_size *t = &mm4_tiles[tile];
    uint32_t spec[6] = {a_kc, b_kc, t->bm, t->bn, t->bk, mm4_threads(t)};
    return mm_pipeline(d, &d->mm4[tile][a_kc][b_kc], spv_matmul4, sizeof spv_matmul4, spec, 6);
}

/* Records one element-wise op p over bufs (a, b, out) in the module its
 * dtype and layout take. */
static trueno_status ew_dispatch(vk_device *d, const ew_params *p, vk_buffer *const *bufs, uint32_t dtype)
{
    bool half = dtype == TRUENO_DTYPE_FLOAT16 || dtype == TRUENO_DTYPE_BFLOAT16;
    bool flat4 = !half && p->rank == 1 && p->sa[0] == 1 && p->so[0] == 1 && (p->unary || p->sb[0] == 1) &&
                 p->n % 4 == 0 && p->oa % 4 == 0 && p->ob % 4 == 0 && p->oo % 4 == 0;
    int variant = half ? (dtype == TRUENO_DTYPE_FLOAT16 ? EW_F16 : EW_BF16) : flat4 ? EW_VEC4 : EW_SCALAR;
    vk_pipeline *pipe = ew_pipeline(d, variant, p->op);
    if (!pipe) return TRUENO_UNSUPPORTED;
    uint32_t per = half ? 2 : flat4 ? 4 : 1, groups = (p->n / per + d->ew.local - 1) / d->ew.local;
    return dispatch(d, pipe, (vk_buffer **)bufs, 3, 1, p, sizeof *p, groups < 65535 ? groups : 65535, 1, 1);
}

/* ---- fusion of small element-wise ops ------------------------------------------
 * A dependent dispatch costs the device a barrier's wait for the one before
 * (about 2.4 us each on the H200 for a chain of 1024-element adds), most of
 * a small op's time. Contiguous float32 element-wise ops of one length are
 * held back instead and run as one dispatch (elementwise.comp's FUSED
 * module, each invocation doing every op of the run for its elements in
 * order), with the results the ops give one by one, bit for bit: the same
 * functions. A run takes an op while every buffer it names stays at one
 * element offset (then element i of every op is element i of the run and
 * no invocation reads what another wrote), up to FUSE_OPS ops and
 * FUSE_SLOTS buffers; otherwise the run is recorded first. */

/* The slot of buffer b at element offset off, adding it where there is
 * room; -1 when b is in the run at another offset or the slots are full. */
static int fuse_slot(vk_device *d, vk_buffer *b, uint32_t off)
{
    for (uint32_t i = 0; i < d->fuse.slots; i++)
        if (d->fuse.slot[i] == b) return d->fuse.p.offset[i] == off ? (int)i : -1;
    if (d->fuse.slots == FUSE_SLOTS) return -1;
    d->fuse.slot[d->fuse.slots] = b;
    d->fuse.p.offset[d->fuse.slots] = off;
    d->fuse.written[d->fuse.slots] = false;
    return (int)d->fuse.slots++;
}

/* One op of the run as ew_params (rank 1, contiguous) and its buffers */
static void fused_op(const vk_device *d, uint32_t k, ew_params *p, vk_buffer **bufs)
{
    uint32_t c = d->fuse.p.ops[k], sa = c >> 8 & 7, sb = c >> 12 & 7, so = c >> 16 & 7;
    *p = (ew_params){.n = d->fuse.p.n, .op = c & 0xff, .rank = 1, .unary = (c & 0xff) >= EW_NEG,
                     .shape = {d->fuse.p.n}, .sa = {1}, .sb = {1}, .so = {1}, .oa = d->fuse.p.offset[sa],
                     .ob = d->fuse.p.offset[sb], .oo = d->fuse.p.offset[so]};
    bufs[0] = d->fuse.slot[sa];
    bufs[1] = d->fuse.slot[sb];
    bufs[2] = d->fuse.slot[so];
}

/* Records the pending run: one op alone, or every op where the FUSED
 * pipeline cannot be made, the usual way; else one dispatch, its 8
 * bindings ordered unused (the first buffer again), read, written. */
static trueno_status fuse_record(vk_device *d)
{
    uint32_t count = d->fuse.p.count;
    if (!count) return TRUENO_OK;
    d->fuse.p.count = 0; /* what dispatch() below sees: nothing pending */
    vk_pipeline *pipe = &d->fused;
    if (count > 1 && !pipe->pipe && !pipe->failed) {
        uint32_t spec[1] = {d->ew.local};
        made_once(d, pipe, make_pipeline(d, pipe, d->denorm ? spv_elementwise_fused_dp : spv_elementwise_fused,
                                         d->denorm ? sizeof spv_elementwise_fused_dp : sizeof spv_elementwise_fused,
                                         FUSE_SLOTS, sizeof(fused_params), spec, 1));
    }
    trueno_status s = TRUENO_OK;
    if (count == 1 || !pipe->pipe) {
        for (uint32_t k = 0; k < count && s == TRUENO_OK; k++) {
            ew_params p;
            vk_buffer *bufs[3];
            fused_op(d, k, &p, bufs);
            s = ew_dispatch(d, &p, bufs, TRUENO_DTYPE_FLOAT32);
        }
        d->fuse.slots = 0;
        return s;
    }
    fused_params p = d->fuse.p;
    p.count = count;
    vk_buffer *bufs[FUSE_SLOTS];
    uint32_t to[FUSE_SLOTS], n_out = 0, at = FUSE_SLOTS;
    for (uint32_t pass = 0; pass < 2; pass++) /* written slots at the end, read ones before them */
        for (uint32_t i = d->fuse.slots; i-- > 0;)
            if (d->fuse.written[i] == !pass) {
                to[i] = --at;
                bufs[at] = d->fuse.slot[i];
                p.offset[at] = d->fuse.p.offset[i];
                n_out += !pass;
            }
    for (uint32_t i = 0; i < at; i++) bufs[i] = d->fuse.slot[0];
    for (uint32_t k = 0; k < count; k++) {
        uint32_t c = p.ops[k];
        p.ops[k] = (c & 0xff) | to[c >> 8 & 7] << 8 | to[c >> 12 & 7] << 12 | to[c >> 16 & 7] << 16;
    }
    d->fuse.slots = 0;
    uint32_t groups = (p.n + d->ew.local - 1) / d->ew.local;
    s = dispatch(d, pipe, bufs, FUSE_SLOTS, n_out, &p, sizeof p, groups < 65535 ? groups : 65535, 1, 1);
    /* counted as its ops toward a batch's size: the first batches of a run
     * still reach the device after 32, 64 and 128 ops (dispatch()) */
    if (s == TRUENO_OK) d->dispatches += count - 1;
    return s;
}

/* Adds a contiguous float32 element-wise op to the run (recording the run
 * first where the op does not fit it). */
static trueno_status fuse_add(vk_device *d, const ew_params *p, vk_buffer *const *bufs)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        bool fits = d->fuse.p.count == 0 || (d->fuse.p.count < FUSE_OPS && d->fuse.p.n == p->n);
        uint32_t slots = d->fuse.slots;
        int sa = fits ? fuse_slot(d, bufs[0], p->oa) : -1;
        int sb = sa >= 0 ? (p->unary ? sa : fuse_slot(d, bufs[1], p->ob)) : -1;
        int so = sb >= 0 ? fuse_slot(d, bufs[2], p->oo) : -1;
        if (so >= 0) {
            d->fuse.p.n = p->n;
            d->fuse.p.ops[d->fuse.p.count++] = p->op | (uint32_t)sa << 8 | (uint32_t)sb << 12 | (uint32_t)so << 16;
            d->fuse.written[so] = true;
            return TRUENO_OK;
        }
        d->fuse.slots = slots; /* gives back the slots this op took */
        trueno_status s = fuse_record(d);
        if (s != TRUENO_OK) return s;
    }
    return ew_dispatch(d, p, bufs, TRUENO_DTYPE_FLOAT32); /* one buffer at two offsets in the op itself */
}

/* Whether the pending run names buffer b */
static bool fuse_uses(const vk_device *d, const vk_buffer *b)
{
    for (uint32_t i = 0; i < d->fuse.slots; i++)
        if (d->fuse.slot[i] == b) return true;
    return false;
}

static trueno_status vk_execute(void *dev, const trueno_op_desc *op)
{
    vk_device *d = dev;
    if (d->lost) return TRUENO_DEVICE_LOST;
    if (!supported(d, op)) return TRUENO_UNSUPPORTED;
    const trueno_tensor_desc *o = op->outputs[0];
    if (trueno_desc_numel(o) == 0) return TRUENO_OK;
    if (op->op == TRUENO_OP_SOFTMAX || op->op == TRUENO_OP_LOG_SOFTMAX) {
        row_header p;
        softmax_layout(op, &p);
        vk_buffer *bufs[2] = {op->inputs[0]->buffer, o->buffer};
        return dispatch_rows(d, &d->softmax, bufs, 2, 1, &p, sizeof p, p.rows);
    }
    if (op->op == TRUENO_OP_LAYER_NORM || op->op == TRUENO_OP_RMS_NORM) {
        norm_params p;
        norm_layout(op, &p);
        vk_buffer *w = op->inputs[1]->buffer, *b = op->op == TRUENO_OP_LAYER_NORM ? op->inputs[2]->buffer : w;
        vk_buffer *bufs[4] = {op->inputs[0]->buffer, w, b, o->buffer};
        return dispatch_rows(d, &d->norm, bufs, 4, 1, &p, sizeof p, p.row.rows);
    }
    if (reduce_code(op->op) >= 0) {
        reduce_params p;
        colreduce_params cp;
        vk_buffer *in = op->inputs[0]->buffer, *out = o->buffer;
        bool arg = op->op == TRUENO_OP_ARGMAX || op->op == TRUENO_OP_ARGMIN;
        vk_buffer *bufs[3] = {in, arg ? in : out, out}; /* the unused output binding gets a harmless buffer */
        if (reduce_layout(op, &p)) return dispatch_rows(d, &d->reduce, bufs, 3, arg ? 1 : 2, &p, sizeof p, p.rows);
        colreduce_layout(op, &cp);
        return dispatch_rows(d, &d->colreduce, bufs, 3, arg ? 1 : 2, &cp, sizeof cp, (cp.outputs + 255) / 256);
    }
    if (op->op == TRUENO_OP_MAX_POOL2D || op->op == TRUENO_OP_AVG_POOL2D || op->op == TRUENO_OP_ADAPTIVE_AVG_POOL2D) {
        pool_params p;
        pool_layout(op, &p);
        vk_buffer *bufs[2] = {op->inputs[0]->buffer, o->buffer};
        return dispatch_grid(d, &d->pool2d, bufs, 2, 1, &p, sizeof p, p.total, &p.rows);
    }
    if (op->op == TRUENO_OP_CONV2D) {
        conv_params p;
        conv_layout(op, &p);
        vk_buffer *bufs[4] = {op->inputs[0]->buffer, op->inputs[1]->buffer, op->inputs[2]->buffer, o->buffer};
        return dispatch_grid(d, &d->conv, bufs, 4, 1, &p, sizeof p, p.total, &p.rows);
    }
    if (op->op == TRUENO_OP_CAST || (op->op == TRUENO_OP_CONTIGUOUS && op->dtype != TRUENO_DTYPE_FLOAT32)) {
        cast_params p;
        cast_layout(op, &p);
        vk_buffer *bufs[2] = {op->inputs[0]->buffer, o->buffer};
        return dispatch_rows(d, &d->cast, bufs, 2, 1, &p, sizeof p, (p.words + 255) / 256);
    }
    if (op->op == TRUENO_OP_TOPK) {
        topk_params p;
        topk_layout(op, &p);
        vk_buffer *bufs[3] = {op->inputs[0]->buffer, o->buffer, op->outputs[1]->buffer};
        return dispatch_rows(d, &d->topk, bufs, 3, 2, &p, sizeof p, p.n ? p.rows : 0);
    }
    if (op->op == TRUENO_OP_MATMUL || op->op == TRUENO_OP_GEMM) {
        mm_params p;
        uint32_t z;
        mm_layout(d, op, &p, &z);
        vk_buffer *a = op->inputs[0]->buffer, *b = op->inputs[1]->buffer, *c = o->buffer;
        vk_buffer *c0 = (p.flags & 1) ? op->inputs[2]->buffer : a;
        if (!bindable(d, a) || !bindable(d, b) || !bindable(d, c) || !bindable(d, c0)) return TRUENO_UNSUPPORTED;
        vk_buffer *bufs[4] = {a, b, c0, c};
        bool a_kc = (p.flags & 2) != 0, b_kc = (p.flags & 4) != 0;
        uint32_t layouts[2] = {a_kc, b_kc};
        vk_pipeline *pc = mm_coop_ok(d, op, &p) ? mm_pipeline(d, &d->mm_coop[a_kc][b_kc], spv_matmul_coop,
                                                              sizeof spv_matmul_coop, layouts, 2)
                                                : NULL;
        if (pc) return dispatch(d, pc, bufs, 4, 1, &p, sizeof p, (p.n + 127) / 128, (p.m + 127) / 128, z);
        if (op->dtype != TRUENO_DTYPE_FLOAT32) {
            bool bf = op->dtype == TRUENO_DTYPE_BFLOAT16;
            vk_pipeline *ph = mm_pipeline(d, &d->mm16[bf], bf ? spv_matmul_bf16 : spv_matmul_f16,
                                          bf ? sizeof spv_matmul_bf16 : sizeof spv_matmul_f16, NULL, 0);
            if (!ph) return TRUENO_UNSUPPORTED;
            return dispatch(d, ph, bufs, 4, 1, &p, sizeof p, (p.n + 63) / 64, (p.m + 63) / 64, z);
        }
        int tile = mm_vec4(&p) ? mm4_tile(d, p.m, p.n, z) : -1;
        vk_pipeline *p4 = tile >= 0 ? mm4_pipeline(d, tile, a_kc, b_kc) : NULL;
        if (p4)
            return dispatch(d, p4, bufs, 4, 1, &p, sizeof p, (p.n + mm4_tiles[tile].bn - 1) / mm4_tiles[tile].bn,
                            (p.m + mm4_tiles[tile].bm - 1) / mm4_tiles[tile].bm, z);
        return dispatch(d, &d->mm, bufs, 4, 1, &p, sizeof p, (p.n + d->mm_bn - 1) / d->mm_bn,
                        (p.m + d->mm_bm - 1) / d->mm_bm, z);
    }
    ew_params p;
    ew_layout(op, &p);
    p.op = (uint32_t)ew_code(op->op);
    p.unary = op->n_inputs == 1;
    if (op->op == TRUENO_OP_LEAKY_RELU || op->op == TRUENO_OP_ELU) p.param = (float)op->params->floats[0];
    vk_buffer *a = op->inputs[0]->buffer, *b = op->n_inputs > 1 ? op->inputs[1]->buffer : a, *out = o->buffer;
    if (!bindable(d, a) || !bindable(d, b) || !bindable(d, out)) return TRUENO_UNSUPPORTED;
    vk_buffer *bufs[3] = {a, b, out};
    bool fusible = d->fuse.on && op->dtype == TRUENO_DTYPE_FLOAT32 && p.rank == 1 && p.sa[0] == 1 && p.so[0] == 1 &&
                   (p.unary || p.sb[0] == 1) && p.n <= FUSE_MAX_N && p.op != EW_LEAKY_RELU && p.op != EW_ELU;
    return fusible ? fuse_add(d, &p, bufs) : ew_dispatch(d, &p, bufs, op->dtype);
}

static trueno_status vk_synchronize(void *dev)
{
    vk_device *d = dev;
    return d->lost ? TRUENO_DEVICE_LOST : flush(d);
}

/* ---- buffers ------------------------------------------------------------------------ */

static trueno_status vk_buffer_alloc(void *dev, size_t bytes, void **out)
{
    vk_device *d = dev;
    if (d->lost) return TRUENO_DEVICE_LOST;
    vk_buffer *b = d->host->aligned_alloc(d->host->ctx, 64, sizeof *b);
    if (!b) return TRUENO_OUT_OF_MEMORY;
    trueno_status s = make_buffer(d, (bytes + 3) / 4 * 4, false, b);
    if (s != TRUENO_OK) {
        d->host->aligned_free(d->host->ctx, b);
        return s;
    }
    *out = b;
    return TRUENO_OK;
}

static void vk_buffer_free(void *dev, void *buffer)
{
    vk_device *d = dev;
    vk_buffer *b = buffer;
    if (!b) return;
    /* a batch or the pending run (a temporary freed after the op that read
     * it) may use it: freed once the device has finished */
    if (busy(d) || (d->fuse.p.count && fuse_uses(d, b))) {
        b->next_free = d->free_later;
        d->free_later = b;
        return;
    }
    drop_buffer(d, b);
    d->host->aligned_free(d->host->ctx, b);
}

/* Transfers through the two staging buffers, double-buffered: while one
 * chunk moves on the device's copy queue, the host copies the next one in
 * (uploads) or the last one out (readbacks). The batch is flushed first,
 * and every chunk has landed when these return. */
static trueno_status xfer_submit(vk_device *d, int slot, VkBuffer src, VkDeviceSize so, VkBuffer dst, VkDeviceSize doff,
                                 VkDeviceSize bytes)
{
    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                   .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
    VkResult r = vkResetCommandBuffer(d->xfer[slot], 0);
    if (r == VK_SUCCESS) r = vkBeginCommandBuffer(d->xfer[slot], &bi);
    if (r != VK_SUCCESS) return status_of(d, r);
    VkBufferCopy region = {so, doff, bytes};
    vkCmdCopyBuffer(d->xfer[slot], src, dst, 1, &region);
    VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &d->xfer[slot]};
    r = vkEndCommandBuffer(d->xfer[slot]);
    if (r == VK_SUCCESS) r = vkQueueSubmit(d->queue, 1, &si, d->xfer_fence[slot]);
    d->submitted = true;
    return status_of(d, r);
}

static trueno_status xfer_wait(vk_device *d, int slot)
{
    VkResult r = vkWaitForFences(d->dev, 1, &d->xfer_fence[slot], VK_TRUE, UINT64_MAX);
    if (r == VK_SUCCESS) r = vkResetFences(d->dev, 1, &d->xfer_fence[slot]);
    return status_of(d, r);
}

#define CHUNK (STAGING_BYTES / 2)

/* memcpy over the host's thread pool (1 MiB pieces): one thread does not
 * keep up with the DMA engine */
typedef struct copy_job {
    char *dst;
    const char *src;
    size_t n;
} copy_job;

static void copy_piece(void *arg, int64_t begin, int64_t end)
{
    const copy_job *j = arg;
    size_t from = (size_t)begin << 20, to = (size_t)end << 20;
    if (to > j->n) to = j->n;
    memcpy(j->dst + from, j->src + from, to - from);
}

static void par_memcpy(const vk_device *d, void *dst, const void *src, size_t n)
{
    copy_job j = {dst, src, n};
    if (n < ((size_t)4 << 20) || d->host->parallel_for(d->host->ctx, (int64_t)((n + (1 << 20) - 1) >> 20), 1, copy_piece,
                                                       &j) != TRUENO_OK)
        memcpy(dst, src, n);
}

/* The pinned buffer (host_alloc) holding [p, p + bytes), or NULL. */
static vk_buffer *pinned_at(const vk_device *d, const void *p, size_t bytes)
{
    for (vk_buffer *b = d->pinned; b; b = b->next_free) {
        const char *lo = b->mapped, *c = p;
        if (c >= lo && c < lo + b->bytes && bytes <= (size_t)(lo + b->bytes - c)) return b;
    }
    return NULL;
}

/* One copy between a pinned buffer and a device buffer, waited for. */
static trueno_status pinned_copy(vk_device *d, VkBuffer src, VkDeviceSize so, VkBuffer dst, VkDeviceSize doff,
                                 VkDeviceSize bytes)
{
    trueno_status s = xfer_submit(d, 0, src, so, dst, doff, bytes);
    return s == TRUENO_OK ? xfer_wait(d, 0) : s;
}

static trueno_status vk_buffer_write(void *dev, void *buffer, size_t offset, const void *src, size_t bytes)
{
    vk_device *d = dev;
    vk_buffer *b = buffer;
    trueno_status s = d->lost ? TRUENO_DEVICE_LOST : flush(d);
    if (s != TRUENO_OK) return s;
    if (b->mapped) {
        memcpy((char *)b->mapped + offset, src, bytes);
        return TRUENO_OK;
    }
    vk_buffer *pin = pinned_at(d, src, bytes);
    if (pin) return pinned_copy(d, pin->buf, (VkDeviceSize)((const char *)src - (const char *)pin->mapped), b->buf, offset, bytes);
    bool pending[2] = {false, false};
    for (size_t done = 0, i = 0; done < bytes && s == TRUENO_OK; done += CHUNK, i++) {
        int slot = (int)(i % 2);
        size_t n = bytes - done < CHUNK ? bytes - done : CHUNK;
        if (pending[slot] && (s = xfer_wait(d, slot)) != TRUENO_OK) break;
        pending[slot] = false;
        par_memcpy(d, d->staging[slot].mapped, (const char *)src + done, n);
        if ((s = xfer_submit(d, slot, d->staging[slot].buf, 0, b->buf, offset + done, n)) == TRUENO_OK) pending[slot] = true;
    }
    for (int slot = 0; slot < 2; slot++) {
        trueno_status w = pending[slot] ? xfer_wait(d, slot) : TRUENO_OK;
        if (s == TRUENO_OK) s = w;
    }
    return s;
}

static trueno_status vk_buffer_read(void *dev, void *buffer, size_t offset, void *dst, size_t bytes)
{
    vk_device *d = dev;
    vk_buffer *b = buffer;
    trueno_status s = d->lost ? TRUENO_DEVICE_LOST : flush(d);
    if (s != TRUENO_OK) return s;
    if (b->mapped) {
        memcpy(dst, (const char *)b->mapped + offset, bytes);
        return TRUENO_OK;
    }
    vk_buffer *pin = pinned_at(d, dst, bytes);
    if (pin) return pinned_copy(d, b->buf, offset, pin->buf, (VkDeviceSize)((char *)dst - (char *)pin->mapped), bytes);
    size_t chunks = (bytes + CHUNK - 1) / CHUNK;
    bool pending[2] = {false, false};
    for (size_t i = 0; i <= chunks && s == TRUENO_OK; i++) {
        if (i < chunks) { /* start chunk i */
            int slot = (int)(i % 2);
            size_t at = i * CHUNK, n = bytes - at < CHUNK ? bytes - at : CHUNK;
            if ((s = xfer_submit(d, slot, b->buf, offset + at, d->staging[slot].buf, 0, n)) != TRUENO_OK) break;
            pending[slot] = true;
        }
        if (i > 0) { /* finish chunk i - 1 */
            int slot = (int)((i - 1) % 2);
            size_t at = (i - 1) * CHUNK, n = bytes - at < CHUNK ? bytes - at : CHUNK;
            if ((s = xfer_wait(d, slot)) != TRUENO_OK) break;
            pending[slot] = false;
            par_memcpy(d, (char *)dst + at, d->staging[slot].mapped, n);
        }
    }
    for (int slot = 0; slot < 2; slot++)
        if (pending[slot]) xfer_wait(d, slot);
    return s;
}

/* Device to device, in the batch: by the copy shader where offsets and size
 * are whole float32 elements (a shader reaches the device's bandwidth where
 * vkCmdCopyBuffer did not on the H100), else vkCmdCopyBuffer. */
static trueno_status vk_buffer_copy(void *dev, void *dst, size_t dst_off, void *src, size_t src_off, size_t bytes)
{
    vk_device *d = dev;
    vk_buffer *db = dst, *sb = src;
    if (d->lost) return TRUENO_DEVICE_LOST;
    if (bytes == 0) return TRUENO_OK;
    if (dst_off % 4 == 0 && src_off % 4 == 0 && bytes % 4 == 0 && bytes / 4 < INT32_MAX &&
        (src_off + bytes) / 4 < INT32_MAX && (dst_off + bytes) / 4 < INT32_MAX && bindable(d, db) && bindable(d, sb)) {
        ew_params p = {.n = (uint32_t)(bytes / 4), .op = EW_COPY, .rank = 1, .unary = 1, .shape = {(uint32_t)(bytes / 4)},
                       .sa = {1}, .sb = {1}, .so = {1}, .oa = (uint32_t)(src_off / 4), .ob = (uint32_t)(src_off / 4),
                       .oo = (uint32_t)(dst_off / 4)};
        vk_buffer *bufs[3] = {sb, sb, db};
        bool flat4 = p.n % 4 == 0 && p.oa % 4 == 0 && p.oo % 4 == 0;
        uint32_t groups = ((flat4 ? p.n / 4 : p.n) + d->ew.local - 1) / d->ew.local;
        return dispatch(d, flat4 ? &d->ew4 : &d->ew, bufs, 3, 1, &p, sizeof p, groups < 65535 ? groups : 65535, 1, 1);
    }
    trueno_status s = fuse_record(d); /* the run, before this copy */
    if (s == TRUENO_OK) s = begin_batch(d);
    if (s != TRUENO_OK) return s;
    VkBuffer touch[2] = {sb->buf, db->buf};
    order(d, touch, 2, touch + 1, 1, true);
    d->transfer_written = true;
    VkBufferCopy region = {src_off, dst_off, bytes};
    vkCmdCopyBuffer(d->cmd, sb->buf, db->buf, 1, &region);
    return TRUENO_OK;
}

/* Pinned host memory: a buffer in the staging memory type (host-visible,
 * cached where the device has such), mapped for its life; the driver
 * keeps it page-locked, so the copy engine reads and writes it directly. */
static trueno_status vk_host_alloc(void *dev, size_t bytes, void **ptr)
{
    vk_device *d = dev;
    if (d->lost) return TRUENO_DEVICE_LOST;
    vk_buffer *b = d->host->aligned_alloc(d->host->ctx, 64, sizeof *b);
    if (!b) return TRUENO_OUT_OF_MEMORY;
    trueno_status s = make_buffer(d, bytes, true, b);
    if (s == TRUENO_OK && ((uintptr_t)b->mapped & 63) != 0) { /* minMemoryMapAlignment is at least 64 */
        drop_buffer(d, b);
        s = TRUENO_DEVICE_ERROR;
    }
    if (s != TRUENO_OK) {
        d->host->aligned_free(d->host->ctx, b);
        return s;
    }
    b->next_free = d->pinned;
    d->pinned = b;
    *ptr = b->mapped;
    return TRUENO_OK;
}

static void vk_host_free(void *dev, void *ptr)
{
    vk_device *d = dev;
    for (vk_buffer **at = &d->pinned; *at; at = &(*at)->next_free) {
        vk_buffer *b = *at;
        if (b->mapped != ptr) continue;
        *at = b->next_free;
        drop_buffer(d, b); /* transfers wait for their copies: none uses it now */
        d->host->aligned_free(d->host->ctx, b);
        return;
    }
}

static const trueno_device_props *vk_props(void *dev) { return &((vk_device *)dev)->props; }

static void destroy_device(vk_device *d)
{
    if (d->dev) {
        if (!d->lost) flush(d);
        vkDeviceWaitIdle(d->dev);
        save_pipeline_cache(d);
        drop_pipeline(d, &d->ew);
        drop_pipeline(d, &d->mm);
        for (int i = 0; i < 2; i++) drop_pipeline(d, &d->mm16[i]);
        for (int i = 0; i < 4; i++) drop_pipeline(d, &d->mm_coop[i / 2][i % 2]);
        for (size_t i = 0; i < MM4_TILES * 4; i++) drop_pipeline(d, &d->mm4[i / 4][i / 2 % 2][i % 2]);
        drop_pipeline(d, &d->topk);
        drop_pipeline(d, &d->ew4);
        drop_pipeline(d, &d->reduce);
        drop_pipeline(d, &d->colreduce);
        drop_pipeline(d, &d->cast);
        drop_pipeline(d, &d->pool2d);
        drop_pipeline(d, &d->conv);
        drop_pipeline(d, &d->softmax);
        drop_pipeline(d, &d->norm);
        drop_pipeline(d, &d->fused);
        for (int v = 0; v < 4; v++)
            for (int c = 0; c < EW_CODES; c++) drop_pipeline(d, &d->ew_op[v][c]);
        for (int i = 0; i < 2; i++) {
            if (d->staging[i].buf) drop_buffer(d, &d->staging[i]);
            if (d->xfer_fence[i]) vkDestroyFence(d->dev, d->xfer_fence[i], NULL);
        }
        if (d->pcache) vkDestroyPipelineCache(d->dev, d->pcache, NULL);
        for (int i = 0; i < RING; i++) {
            if (d->ring[i].dpool) vkDestroyDescriptorPool(d->dev, d->ring[i].dpool, NULL);
            if (d->ring[i].fence) vkDestroyFence(d->dev, d->ring[i].fence, NULL);
        }
        if (d->pool) vkDestroyCommandPool(d->dev, d->pool, NULL);
        vkDestroyDevice(d->dev, NULL);
    }
    d->host->aligned_free(d->host->ctx, d);
}

static void vk_destroy(void *dev) { destroy_device(dev); }

static const trueno_device_vtable vk_vtable = {
    .struct_size = sizeof(trueno_device_vtable),
    .get_properties = vk_props,
    .estimate = vk_estimate,
    .buffer_alloc = vk_buffer_alloc,
    .buffer_free = vk_buffer_free,
    .buffer_write = vk_buffer_write,
    .buffer_read = vk_buffer_read,
    .buffer_copy = vk_buffer_copy,
    .execute = vk_execute,
    .synchronize = vk_synchronize,
    .destroy = vk_destroy,
    .host_alloc = vk_host_alloc,
    .host_free = vk_host_free,
};

/* ---- calibration (once per machine and device; cached by the core) ---------------- */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* a C-order float32 tensor of rank 1..4 in b at element offset `off` */
static void shaped_desc(trueno_tensor_desc *t, vk_buffer *b, int rank, const int64_t *shape, int64_t off)
{
    memset(t, 0, sizeof *t);
    t->struct_size = sizeof *t;
    t->dtype = TRUENO_DTYPE_FLOAT32;
    t->rank = (uint32_t)rank;
    t->buffer = b;
    t->offset = off;
    for (int64_t i = rank - 1, st = 1; i >= 0; st *= shape[i], i--) {
        t->shape[i] = shape[i];
        t->strides[i] = st;
    }
}

/* a rows×cols one, at offset 0 */
static void flat_desc(trueno_tensor_desc *t, vk_buffer *b, int64_t rows, int64_t cols)
{
    int64_t shape[2] = {rows, cols};
    shaped_desc(t, b, 2, shape, 0);
}

/* The best of 3 rounds of `reps` runs of op in one batch, per run (ns). */
static trueno_status best_of_3(vk_device *d, const trueno_op_desc *op, int reps, double *best_ns)
{
    trueno_status s = TRUENO_OK;
    *best_ns = 1e30;
    for (int round = 0; round < 3 && s == TRUENO_OK; round++) {
        double t = now_ns();
        for (int i = 0; i < reps && s == TRUENO_OK; i++) s = vk_execute(d, op);
        if (s == TRUENO_OK) s = flush(d);
        t = (now_ns() - t) / reps;
        *best_ns = t < *best_ns ? t : *best_ns;
    }
    return s;
}

/* Measures: the cost of one dispatch inside a batch, copy bandwidth,
 * matmul throughput, and host<->device transfers. Sizes are smaller on a
 * CPU implementation (lavapipe). */
static trueno_status calibrate(vk_device *d)
{
    char key[80];
    /* vulkan5: the 16-bit matmul rates came after vulkan4's figures; the
     * float16 one depends on cooperative matrices being on */
    snprintf(key, sizeof key, "vulkan5-%08x-%08x-%s%s", d->pp.vendorID, d->pp.deviceID,
             d->unified ? "unified" : "staged", d->coop ? "-coop" : "");
    double v[10];
    if (d->host->cache_load(d->host->ctx, key, v, 10)) {
        d->cost.launch_ns = v[0];
        d->cost.bandwidth_gbs = v[1];
        d->cost.gflops[TRUENO_OP_CLASS_MATMUL] = v[2];
        d->cost.gflops[TRUENO_OP_CLASS_ELEMENTWISE] = v[3];
        d->cost.transfer_latency_ns = v[4];
        d->cost.transfer_gbs = v[5];
        d->row_gbs = v[6];
        d->conv_gflops = v[7];
        d->mm16_gflops[0] = v[8];
        d->mm16_gflops[1] = v[9];
        d->cost.calibrated = 1;
        return TRUENO_OK;
    }
    bool cpu = d->pp.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
    int64_t mm_n = cpu ? 256 : 2048, copy_n = cpu ? (1 << 21) : (1 << 25);
    vk_buffer a, b, c;
    trueno_status s = make_buffer(d, (VkDeviceSize)(mm_n * mm_n > copy_n ? mm_n * mm_n : copy_n) * 4, false, &a);
    if (s != TRUENO_OK) return s;
    if ((s = make_buffer(d, a.bytes, false, &b)) != TRUENO_OK) { drop_buffer(d, &a); return s; }
    if ((s = make_buffer(d, a.bytes, false, &c)) != TRUENO_OK) { drop_buffer(d, &a); drop_buffer(d, &b); return s; }
    trueno_tensor_desc ta, tb, tc;
    const trueno_tensor_desc *in[2] = {&ta, &tb}, *out[1] = {&tc};
    trueno_op_params prm = {.struct_size = sizeof prm};
    trueno_op_desc op = {.struct_size = sizeof op, .dtype = TRUENO_DTYPE_FLOAT32, .n_outputs = 1, .inputs = in,
                         .outputs = out, .params = &prm};

    /* zeros in, so no NaN or denormal slows anything */
    float *zeros = calloc(1 << 20, sizeof *zeros);
    for (VkDeviceSize off = 0; s == TRUENO_OK && zeros && off < a.bytes; off += (VkDeviceSize)4 << 20) {
        VkDeviceSize n = a.bytes - off < ((VkDeviceSize)4 << 20) ? a.bytes - off : (VkDeviceSize)4 << 20;
        s = vk_buffer_write(d, &a, off, zeros, n);
        if (s == TRUENO_OK) s = vk_buffer_write(d, &b, off, zeros, n);
    }

    /* transfers: 64 MiB (4 on a CPU device) each way and one tiny write,
     * best of 3, from host memory touched first (page faults are not the
     * transfer: on some VMs they cost more than it) */
    size_t tbytes = cpu ? (4u << 20) : (64u << 20);
    char *host = malloc(tbytes);
    if (host) memset(host, 0, tbytes);
    /* the tiny write goes into a buffer made for it and then freed, as an
     * operand seen for the first time is (the core prices each such move
     * with transfer_latency_ns) */
    double best_move = 1e30, best_tiny = 1e30;
    for (int round = 0; round < 3 && s == TRUENO_OK && host; round++) {
        double t0 = now_ns();
        s = vk_buffer_write(d, &c, 0, host, tbytes);
        if (s == TRUENO_OK) s = vk_buffer_read(d, &c, 0, host, tbytes);
        double t1 = now_ns();
        void *tiny = NULL;
        if (s == TRUENO_OK) s = vk_buffer_alloc(d, 4, &tiny);
        if (s == TRUENO_OK) s = vk_buffer_write(d, tiny, 0, host, 4);
        if (tiny) vk_buffer_free(d, tiny);
        if (s == TRUENO_OK) s = flush(d);
        double t2 = now_ns();
        best_move = t1 - t0 < best_move ? t1 - t0 : best_move;
        best_tiny = t2 - t1 < best_tiny ? t2 - t1 : best_tiny;
    }
    d->cost.transfer_gbs = 2.0 * (double)tbytes / best_move;
    d->cost.transfer_latency_ns = best_tiny;

    /* one dispatch in a batch: 200 small adds */
    op.op = TRUENO_OP_ADD;
    op.n_inputs = 2;
    flat_desc(&ta, &a, 1, 256);
    flat_desc(&tb, &b, 1, 256);
    flat_desc(&tc, &c, 1, 256);
    double best = 1e30;
    if (s == TRUENO_OK) s = best_of_3(d, &op, 200, &best);
    d->cost.launch_ns = best;

    /* bandwidth: c = a + b over copy_n elements (3 streams) */
    flat_desc(&ta, &a, 1, copy_n);
    flat_desc(&tb, &b, 1, copy_n);
    flat_desc(&tc, &c, 1, copy_n);
    if (s == TRUENO_OK) s = best_of_3(d, &op, 1, &best);
    d->cost.bandwidth_gbs = 12.0 * (double)copy_n / best;
    d->cost.gflops[TRUENO_OP_CLASS_ELEMENTWISE] = (double)copy_n / best;

    /* matmul mm_n³ */
    op.op = TRUENO_OP_MATMUL;
    flat_desc(&ta, &a, mm_n, mm_n);
    flat_desc(&tb, &b, mm_n, mm_n);
    flat_desc(&tc, &c, mm_n, mm_n);
    if (s == TRUENO_OK) s = best_of_3(d, &op, 1, &best);
    d->cost.gflops[TRUENO_OP_CLASS_MATMUL] = 2.0 * (double)mm_n * mm_n * mm_n / best;
    /* the same in float16 and bfloat16 (zero bits are zeros there too) */
    for (int h = 0; h < 2 && s == TRUENO_OK; h++) {
        op.dtype = h ? TRUENO_DTYPE_BFLOAT16 : TRUENO_DTYPE_FLOAT16;
        ta.dtype = tb.dtype = tc.dtype = op.dtype;
        s = best_of_3(d, &op, 1, &best);
        d->mm16_gflops[h] = 2.0 * (double)mm_n * mm_n * mm_n / best;
    }
    op.dtype = TRUENO_DTYPE_FLOAT32;

    /* one row's rate: a sum of one row of copy_n / 16 elements, one workgroup */
    int64_t row_n = copy_n / 16;
    trueno_op_params row_prm = {.struct_size = sizeof row_prm, .ints = {2}}; /* the last of 2 axes */
    op.op = TRUENO_OP_SUM;
    op.n_inputs = 1;
    op.params = &row_prm;
    flat_desc(&ta, &a, 1, row_n);
    flat_desc(&tc, &c, 1, 1);
    if (s == TRUENO_OK) s = best_of_3(d, &op, 1, &best);
    d->row_gbs = 4.0 * (double)row_n / best;

    /* conv2d 3×3, padding 1: N×64×32×32 by 64 filters (N 8; on a CPU
     * device 1×8×16×16 by 8) */
    int64_t cn = cpu ? 1 : 8, cc = cpu ? 8 : 64, hw = cpu ? 16 : 32;
    int64_t xs[4] = {cn, cc, hw, hw}, ws[4] = {cc, cc, 3, 3}, bs[1] = {cc};
    trueno_tensor_desc tw;
    const trueno_tensor_desc *conv_in[3] = {&ta, &tw, &tb};
    trueno_op_params conv_prm = {.struct_size = sizeof conv_prm, .ints = {1, 1, 1, 1, 1, 1, 1}};
    op.op = TRUENO_OP_CONV2D;
    op.n_inputs = 3;
    op.inputs = conv_in;
    op.params = &conv_prm;
    shaped_desc(&ta, &a, 4, xs, 0);
    shaped_desc(&tw, &b, 4, ws, 0);
    shaped_desc(&tb, &b, 1, bs, cc * cc * 9);
    shaped_desc(&tc, &c, 4, xs, 0);
    if (s == TRUENO_OK) s = best_of_3(d, &op, 1, &best);
    d->conv_gflops = trueno_op_flops(&op) / best;
    free(zeros);
    free(host);
    flush(d);
    drop_buffer(d, &a);
    drop_buffer(d, &b);
    drop_buffer(d, &c);
    if (s != TRUENO_OK) return s;
    d->cost.calibrated = 1;
    double save[10] = {d->cost.launch_ns,   d->cost.bandwidth_gbs, d->cost.gflops[TRUENO_OP_CLASS_MATMUL],
                       d->cost.gflops[TRUENO_OP_CLASS_ELEMENTWISE], d->cost.transfer_latency_ns, d->cost.transfer_gbs,
                       d->row_gbs, d->conv_gflops, d->mm16_gflops[0], d->mm16_gflops[1]};
    d->host->cache_save(d->host->ctx, key, save, 10);
    return TRUENO_OK;
}

/* ---- probe -------------------------------------------------------------------------- */

static const char *vendor_name(uint32_t id)
{
    switch (id) {
    case 0x10de: return "NVIDIA";
    case 0x1002: return "AMD";
    case 0x8086: return "Intel";
    case 0x13b5: return "ARM";
    case 0x5143: return "Qualcomm";
    case 0x10005: return "Mesa";
    default: return "";
    }
}

/* Which of the n extensions `names` the physical device offers, one bit
 * each, from one enumeration */
static uint32_t device_has(VkPhysicalDevice phys, const char *const *names, uint32_t n_names)
{
    uint32_t n = 0, found = 0;
    vkEnumerateDeviceExtensionProperties(phys, NULL, &n, NULL);
    VkExtensionProperties *ext = calloc(n ? n : 1, sizeof *ext);
    if (ext && vkEnumerateDeviceExtensionProperties(phys, NULL, &n, ext) == VK_SUCCESS)
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t k = 0; k < n_names; k++)
                if (!strcmp(ext[i].extensionName, names[k])) found |= 1u << k;
    free(ext);
    return found;
}

static trueno_status setup_device(vk_instance *in, VkPhysicalDevice phys, uint32_t index, vk_device **out,
                                  char *why, size_t why_len)
{
    const trueno_host *h = in->host;
    vk_device *d = h->aligned_alloc(h->ctx, 64, sizeof *d);
    if (!d) return TRUENO_OUT_OF_MEMORY;
    memset(d, 0, sizeof *d);
    d->host = h;
    d->inst = in;
    d->phys = phys;
    vkGetPhysicalDeviceProperties(phys, &d->pp);
    vkGetPhysicalDeviceMemoryProperties(phys, &d->mp);

    uint32_t nq = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(phys, &nq, NULL);
    VkQueueFamilyProperties qf[16];
    if (nq > 16) nq = 16;
    vkGetPhysicalDeviceQueueFamilyProperties(phys, &nq, qf);
    int fam = -1;
    for (uint32_t i = 0; i < nq; i++) /* a compute queue, a dedicated one first */
        if ((qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT) && (fam < 0 || !(qf[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)))
            fam = (int)i;
    const char *fuse = h->secure_getenv(h->ctx, "TRUENO_VULKAN_FUSE");
    d->fuse.on = !(fuse && !strcmp(fuse, "0"));
    const char *force = h->secure_getenv(h->ctx, "TRUENO_VULKAN_FORCE_STAGING");
    int dev_type = memory_type(d, ~0u, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    /* staging in cached host memory where there is some: readbacks from
     * uncached (write-combined) memory crawl (0.8 GB/s seen on NVIDIA) */
    int staging = memory_type(d, ~0u, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT |
                                          VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    if (staging < 0)
        staging = memory_type(d, ~0u, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    for (uint32_t i = 0; i < d->mp.memoryTypeCount; i++)
        logf_(h, TRUENO_LOG_INFO, "%s: memory type %u: flags 0x%x, heap %u (%llu MiB)%s", d->pp.deviceName, i,
              d->mp.memoryTypes[i].propertyFlags, d->mp.memoryTypes[i].heapIndex,
              (unsigned long long)(d->mp.memoryHeaps[d->mp.memoryTypes[i].heapIndex].size >> 20),
              (int)i == staging ? " (staging)" : "");
    const char *st_type = h->secure_getenv(h->ctx, "TRUENO_VULKAN_STAGING_TYPE"); /* tuning: a type index */
    if (st_type && *st_type && (uint32_t)atoi(st_type) < d->mp.memoryTypeCount &&
        (d->mp.memoryTypes[atoi(st_type)].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
        staging = atoi(st_type);
    int unified = memory_type(d, ~0u, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                          VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    if (fam < 0 || dev_type < 0 || staging < 0) {
        snprintf(why, why_len, "%.180s: no compute queue or no usable memory type", d->pp.deviceName);
        h->aligned_free(h->ctx, d);
        return TRUENO_OK;
    }
    d->qfam = (uint32_t)fam;
    /* one memory for host and device only where it is the same RAM (lavapipe,
     * integrated GPUs): a discrete GPU's host-visible VRAM (ReBAR) reads back
     * uncached over PCIe, far slower than a staged copy */
    bool uma = d->pp.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ||
               d->pp.deviceType == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU;
    d->unified = uma && unified >= 0 && !(force && !strcmp(force, "1"));
    d->mem_device = (uint32_t)(d->unified ? unified : dev_type);
    d->mem_staging = (uint32_t)staging;

    /* float32 subnormals: kept by the element-wise modules built with
     * DenormPreserve where the device can (VK_KHR_shader_float_controls);
     * elsewhere a device may flush them (NVIDIA's driver does) */
    static const char *const wanted[] = {VK_KHR_SHADER_FLOAT_CONTROLS_EXTENSION_NAME, "VK_KHR_cooperative_matrix",
                                         "VK_NV_cooperative_matrix", VK_NV_SHADER_SM_BUILTINS_EXTENSION_NAME,
                                         VK_AMD_SHADER_CORE_PROPERTIES_EXTENSION_NAME};
    uint32_t has = device_has(phys, wanted, 5);
    bool coop = (has & 6) != 0;
    VkPhysicalDeviceFloatControlsPropertiesKHR fc = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FLOAT_CONTROLS_PROPERTIES_KHR};
    VkPhysicalDeviceShaderSMBuiltinsPropertiesNV sm = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_PROPERTIES_NV};
    VkPhysicalDeviceShaderCorePropertiesAMD amd = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CORE_PROPERTIES_AMD};
    VkPhysicalDeviceSubgroupProperties sub = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    void *chain = &sub; /* the core 1.1 struct and those of the extensions the device has */
    if (has & 1) { fc.pNext = chain; chain = &fc; }
    if (has & 8) { sm.pNext = chain; chain = &sm; }
    if (has & 16) { amd.pNext = chain; chain = &amd; }
    VkPhysicalDeviceProperties2 p2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = chain};
    vkGetPhysicalDeviceProperties2(phys, &p2);
    /* the features: float16 arithmetic, 16-bit storage, cooperative matrices where offered */
    VkPhysicalDeviceCooperativeMatrixFeaturesNV cmf = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
    VkPhysicalDevice16BitStorageFeatures s16 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
                                                .pNext = (has & 4) ? &cmf : NULL};
    VkPhysicalDeviceShaderFloat16Int8Features f16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES, .pNext = &s16};
    VkPhysicalDeviceFeatures2 f2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f16};
    vkGetPhysicalDeviceFeatures2(phys, &f2);
    if (has & 1) d->denorm = fc.shaderDenormPreserveFloat32;
    if (has & 8) d->compute_units = sm.shaderSMCount;
    if (has & 16)
        d->compute_units = amd.shaderEngineCount * amd.shaderArraysPerEngineCount * amd.computeUnitsPerShaderArray;
    /* TRUENO_VULKAN_MATMUL_TILE=<BM>x<BN>x<BK> forces one of matmul4.comp's tiles (tests, tuning) */
    const char *tile = h->secure_getenv(h->ctx, "TRUENO_VULKAN_MATMUL_TILE");
    d->mm4_forced = -1;
    for (size_t i = 0; tile && i < MM4_TILES; i++) {
        char name[24];
        snprintf(name, sizeof name, "%ux%ux%u", mm4_tiles[i].bm, mm4_tiles[i].bn, mm4_tiles[i].bk);
        if (!strcmp(tile, name)) d->mm4_forced = (int)i;
    }
    if (tile && *tile && d->mm4_forced < 0)
        logf_(h, TRUENO_LOG_WARN, "TRUENO_VULKAN_MATMUL_TILE=%.40s is none of matmul4.comp's tiles; chosen by size",
              tile);
    const char *dev_ext[2];
    uint32_t n_ext = 0;
    if (d->denorm) dev_ext[n_ext++] = VK_KHR_SHADER_FLOAT_CONTROLS_EXTENSION_NAME;
    /* cooperative matrices, opt-in: the extension, 16-bit storage and
     * float16 arithmetic, and a 16×16×16 float16 -> float32 subgroup shape
     * among the device's; 32-wide subgroups (matmul_coop.comp's layout) */
    const char *want_coop = h->secure_getenv(h->ctx, "TRUENO_VULKAN_COOPERATIVE_MATRIX");
    if (want_coop && !strcmp(want_coop, "1") && (has & 4)) {
        PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV shapes =
            (PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV)vkGetInstanceProcAddr(
                in->instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV");
        bool shape = false;
        uint32_t ns = 0;
        if (shapes && shapes(phys, &ns, NULL) == VK_SUCCESS && ns) {
            VkCooperativeMatrixPropertiesNV *cp = calloc(ns, sizeof *cp);
            for (uint32_t i = 0; cp && i < ns; i++) cp[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV;
            if (cp && shapes(phys, &ns, cp) == VK_SUCCESS)
                for (uint32_t i = 0; i < ns; i++)
                    shape = shape || (cp[i].MSize == 16 && cp[i].NSize == 16 && cp[i].KSize == 16 &&
                                      cp[i].AType == VK_COMPONENT_TYPE_FLOAT16_NV &&
                                      cp[i].BType == VK_COMPONENT_TYPE_FLOAT16_NV &&
                                      cp[i].CType == VK_COMPONENT_TYPE_FLOAT32_NV &&
                                      cp[i].DType == VK_COMPONENT_TYPE_FLOAT32_NV &&
                                      cp[i].scope == VK_SCOPE_SUBGROUP_NV);
            free(cp);
        }
        d->coop = shape && cmf.cooperativeMatrix && s16.storageBuffer16BitAccess && f16.shaderFloat16 &&
                  sub.subgroupSize == 32;
        if (!d->coop)
            logf_(h, TRUENO_LOG_WARN,
                  "%s: TRUENO_VULKAN_COOPERATIVE_MATRIX=1, but the device lacks what matmul_coop.comp needs "
                  "(16x16x16 float16 shape, 16-bit storage, 32-wide subgroups)",
                  d->pp.deviceName);
    }
    /* what matmul_coop.comp uses, enabled with the extension */
    VkPhysicalDeviceCooperativeMatrixFeaturesNV on_cm = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV, .cooperativeMatrix = VK_TRUE};
    VkPhysicalDevice16BitStorageFeatures on_s16 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
                                                   .pNext = &on_cm, .storageBuffer16BitAccess = VK_TRUE};
    VkPhysicalDeviceShaderFloat16Int8Features on_f16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES, .pNext = &on_s16,
        .shaderFloat16 = VK_TRUE};
    if (d->coop) dev_ext[n_ext++] = "VK_NV_cooperative_matrix";
    float prio = 1;
    VkDeviceQueueCreateInfo qi = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, .queueFamilyIndex = d->qfam,
                                  .queueCount = 1, .pQueuePriorities = &prio};
    VkDeviceCreateInfo di = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, .pNext = d->coop ? &on_f16 : NULL,
                             .queueCreateInfoCount = 1, .pQueueCreateInfos = &qi, .enabledExtensionCount = n_ext,
                             .ppEnabledExtensionNames = dev_ext};
    VkResult r = vkCreateDevice(phys, &di, NULL, &d->dev);
    trueno_status s = status_of(d, r);
    if (s == TRUENO_OK) {
        vkGetDeviceQueue(d->dev, d->qfam, 0, &d->queue);
        VkCommandPoolCreateInfo pi = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                      .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                      .queueFamilyIndex = d->qfam};
        r = vkCreateCommandPool(d->dev, &pi, NULL, &d->pool);
        VkCommandBufferAllocateInfo ci = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, .commandPool = d->pool,
                                          .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY, .commandBufferCount = 2};
        if (r == VK_SUCCESS) r = vkAllocateCommandBuffers(d->dev, &ci, d->xfer);
        VkFenceCreateInfo fi = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        for (int i = 0; i < 2 && r == VK_SUCCESS; i++) r = vkCreateFence(d->dev, &fi, NULL, &d->xfer_fence[i]);
        VkDescriptorPoolSize ps = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, MAX_BINDINGS * BATCH_MAX};
        VkDescriptorPoolCreateInfo dpi = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, .maxSets = BATCH_MAX,
                                          .poolSizeCount = 1, .pPoolSizes = &ps};
        ci.commandBufferCount = 1;
        for (int i = 0; i < RING && r == VK_SUCCESS; i++) {
            r = vkAllocateCommandBuffers(d->dev, &ci, &d->ring[i].cmd);
            if (r == VK_SUCCESS) r = vkCreateFence(d->dev, &fi, NULL, &d->ring[i].fence);
            if (r == VK_SUCCESS) r = vkCreateDescriptorPool(d->dev, &dpi, NULL, &d->ring[i].dpool);
        }
        s = status_of(d, r);
    }
    if (s == TRUENO_OK) {
        load_pipeline_cache(d);
        /* element-wise workgroups: 256 invocations where allowed (a
         * specialization constant), else Vulkan's minimum, 128 */
        uint32_t local = d->pp.limits.maxComputeWorkGroupInvocations >= 256 ? 256 : 128;
        uint32_t ew_spec[1] = {local};
        s = make_ew_pipeline(d, &d->ew, EW_SCALAR, ew_spec, 1);
        if (s == TRUENO_OK) s = make_ew_pipeline(d, &d->ew4, EW_VEC4, ew_spec, 1);
        /* the matmul: 256 invocations, 128×128 tiles (8×8 each) on a GPU
         * whose shared memory holds two K-tiles of them, else 64×64 (4×4) */
        bool big = d->pp.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU && local == 256 &&
                   d->pp.limits.maxComputeSharedMemorySize >= 2 * 2 * 8 * 129 * 4;
        d->mm_tm = d->mm_tn = big ? 8 : 4;
        d->mm_bm = d->mm_bn = 16 * d->mm_tm;
        uint32_t none[1] = {0};
        if (s == TRUENO_OK && local < 256) s = TRUENO_UNSUPPORTED; /* Vulkan's minimum is 128; no device here has less */
        if (s == TRUENO_OK)
            s = big ? make_pipeline(d, &d->mm, spv_matmul_r8, sizeof spv_matmul_r8, 4, sizeof(mm_params), none, 0)
                    : make_pipeline(d, &d->mm, spv_matmul_r4, sizeof spv_matmul_r4, 4, sizeof(mm_params), none, 0);
    }
    uint32_t no_spec[1] = {0};
    if (s == TRUENO_OK)
        s = make_pipeline(d, &d->reduce, spv_reduce, sizeof spv_reduce, 3, sizeof(reduce_params), no_spec, 0);
    if (s == TRUENO_OK)
        s = make_pipeline(d, &d->colreduce, spv_colreduce, sizeof spv_colreduce, 3, sizeof(colreduce_params), no_spec, 0);
    if (s == TRUENO_OK) s = make_pipeline(d, &d->cast, spv_cast, sizeof spv_cast, 2, sizeof(cast_params), no_spec, 0);
    if (s == TRUENO_OK) s = make_pipeline(d, &d->pool2d, spv_pool, sizeof spv_pool, 2, sizeof(pool_params), no_spec, 0);
    uint32_t conv_local[1] = {64}; /* conv.comp's workgroup: 64 outputs sharing a filter */
    if (s == TRUENO_OK) s = make_pipeline(d, &d->conv, spv_conv, sizeof spv_conv, 4, sizeof(conv_params), conv_local, 1);
    if (s == TRUENO_OK)
        s = make_pipeline(d, &d->softmax, spv_softmax, sizeof spv_softmax, 2, sizeof(row_header), no_spec, 0);
    if (s == TRUENO_OK)
        s = make_pipeline(d, &d->norm, spv_norm, sizeof spv_norm, 4, sizeof(norm_params), no_spec, 0);
    if (s == TRUENO_OK && d->pp.limits.maxComputeSharedMemorySize >= 128 * TOPK_KMAX * 8)
        s = make_pipeline(d, &d->topk, spv_topk, sizeof spv_topk, 3, sizeof(topk_params), no_spec, 0);
    for (int i = 0; i < 2 && s == TRUENO_OK && !d->unified; i++) s = make_buffer(d, CHUNK, true, &d->staging[i]);
    if (s == TRUENO_OK) { /* the model prices one dispatch per op: measured unfused (200 fused adds cost
                           * a sixteenth of the dispatches) */
        bool fusing = d->fuse.on;
        d->fuse.on = false;
        s = calibrate(d);
        d->fuse.on = fusing;
    }
    if (s == TRUENO_OK) { /* measured or cached: the classes priced as element-wise show its rate */
        d->cost.gflops[TRUENO_OP_CLASS_REDUCTION] = d->cost.gflops[TRUENO_OP_CLASS_ELEMENTWISE];
        d->cost.gflops[TRUENO_OP_CLASS_COPY] = d->cost.gflops[TRUENO_OP_CLASS_ELEMENTWISE];
    }
    if (s != TRUENO_OK) {
        snprintf(why, why_len, "%.180s: setting up failed (%s)", d->pp.deviceName,
                 s == TRUENO_DEVICE_OUT_OF_MEMORY ? "out of device memory" : "Vulkan error");
        destroy_device(d);
        return s;
    }

    VkDeviceSize heap = 0;
    for (uint32_t i = 0; i < d->mp.memoryHeapCount; i++)
        if ((d->mp.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) && d->mp.memoryHeaps[i].size > heap)
            heap = d->mp.memoryHeaps[i].size;
    const VkPhysicalDeviceFeatures *f = &f2.features;
    snprintf(d->name, sizeof d->name, "%s (Vulkan %u.%u.%u)", d->pp.deviceName, VK_API_VERSION_MAJOR(d->pp.apiVersion),
             VK_API_VERSION_MINOR(d->pp.apiVersion), VK_API_VERSION_PATCH(d->pp.apiVersion));
    char tiles[120] = "", units[16] = "unknown"; /* matmul4.comp's tiles the limits allow */
    for (size_t i = 0; i < MM4_TILES; i++)
        if (mm4_tile_fits(d, &mm4_tiles[i], 1, 1, 1))
            snprintf(tiles + strlen(tiles), sizeof tiles - strlen(tiles), "%s%ux%ux%u", *tiles ? "," : "",
                     mm4_tiles[i].bm, mm4_tiles[i].bn, mm4_tiles[i].bk);
    if (d->compute_units) snprintf(units, sizeof units, "%u", d->compute_units);
    snprintf(d->features, sizeof d->features,
             "index=%u type=%s subgroup=%u compute-units=%s shared=%u max-workgroup=%u max-storage-buffer=%u memory=%s "
             "matmul-tile=%ux%u matmul4-tiles=%s%s%s%s%s%s",
             index, d->pp.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? "cpu"
                    : d->pp.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU ? "discrete-gpu"
                    : d->pp.deviceType == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU ? "integrated-gpu" : "other",
             sub.subgroupSize, units, d->pp.limits.maxComputeSharedMemorySize,
             d->pp.limits.maxComputeWorkGroupInvocations, d->pp.limits.maxStorageBufferRange,
             d->unified ? "unified" : "staged", d->mm_bm, d->mm_bn, *tiles ? tiles : "none",
             f16.shaderFloat16 ? " float16" : "", f->shaderInt64 ? " int64" : "", f->shaderFloat64 ? " float64" : "",
             d->coop ? " cooperative-matrix=on" : coop ? " cooperative-matrix=off" : "",
             d->denorm ? " denorm-preserve" : " denorm-flush");
    snprintf(d->vendor, sizeof d->vendor, "%s", vendor_name(d->pp.vendorID));
    d->props = (trueno_device_props){.struct_size = sizeof d->props,
                                     .kind = d->pp.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? TRUENO_DEVICE_CPU
                                                                                             : TRUENO_DEVICE_GPU,
                                     .memory_kind = TRUENO_MEMORY_DEVICE, .name = d->name, .vendor = d->vendor,
                                     .features = d->features, .identity = d->identity, .memory_bytes = heap,
                                     .cost = &d->cost};
    d->cost.struct_size = sizeof d->cost;
    d->handle = (trueno_device){.struct_size = sizeof d->handle, .impl = d, .vtable = &vk_vtable};
    *out = d;
    return TRUENO_OK;
}

static trueno_status vk_probe(void *instance, uint32_t *n, const trueno_device *const **devices, const char **reason)
{
    vk_instance *in = instance;
    *n = in->n_devices;
    *devices = in->list;
    *reason = in->n_devices ? NULL : in->reason;
    return TRUENO_OK;
}

static void *vk_get_proc(void *instance, const char *name)
{
    (void)instance;
    (void)name;
    return NULL;
}

static void vk_shutdown(void *instance)
{
    vk_instance *in = instance;
    if (in->messenger) {
        PFN_vkDestroyDebugUtilsMessengerEXT destroy =
            (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(in->instance, "vkDestroyDebugUtilsMessengerEXT");
        if (destroy) destroy(in->instance, in->messenger, NULL);
    }
    if (in->instance) vkDestroyInstance(in->instance, NULL);
    in->host->aligned_free(in->host->ctx, in);
}

static const trueno_plugin vk_plugin = {
    .struct_size = sizeof(trueno_plugin),
    .name = PLUGIN_NAME,
    .version = "0.1.0",
    .probe = vk_probe,
    .get_proc = vk_get_proc,
    .shutdown = vk_shutdown,
};

/* pin_mesa_drivers marks each Mesa Vulkan driver the loader has loaded
 * (libvulkan_*.so) RTLD_NODELETE: vkDestroyInstance then leaves it mapped
 * until the process exits. Mesa 22.3's lavapipe keeps a 128-byte block
 * from realloc in a static it never frees; unloaded, the library takes
 * the only pointer to it along (LeakSanitizer's "direct leak" from an
 * unknown module, seen on an AMD EPYC and not on an Intel Xeon; with the
 * library kept loaded the block stays reachable). */
struct mesa_drivers { char path[8][256]; int n; };

static int find_mesa_driver(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct mesa_drivers *m = arg;
    const char *base = strrchr(info->dlpi_name, '/');
    base = base ? base + 1 : info->dlpi_name;
    if (!strncmp(base, "libvulkan_", 10) && m->n < 8 && strlen(info->dlpi_name) < sizeof m->path[0])
        strcpy(m->path[m->n++], info->dlpi_name);
    return 0;
}

static void pin_mesa_drivers(void)
{
    struct mesa_drivers m = {.n = 0};
    dl_iterate_phdr(find_mesa_driver, &m); /* dlopen after it: the iteration holds the loader's lock */
    for (int i = 0; i < m.n; i++) dlopen(m.path[i], RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

/* Creates the instance and sets up every selected physical device (the
 * probe itself only reports them). */
static void discover(vk_instance *in)
{
    const trueno_host *h = in->host;
    uint32_t n_ext = 0;
    bool debug_utils = false;
    vkEnumerateInstanceExtensionProperties(NULL, &n_ext, NULL);
    VkExtensionProperties *ext = calloc(n_ext ? n_ext : 1, sizeof *ext);
    if (ext && vkEnumerateInstanceExtensionProperties(NULL, &n_ext, ext) == VK_SUCCESS)
        for (uint32_t i = 0; i < n_ext; i++) debug_utils |= !strcmp(ext[i].extensionName, VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    free(ext);
    const char *exts[1] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
    VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO, .pApplicationName = "trueno",
                             .pEngineName = "trueno", .apiVersion = VK_API_VERSION_1_1};
    VkInstanceCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, .pApplicationInfo = &app,
                               .enabledExtensionCount = debug_utils ? 1 : 0, .ppEnabledExtensionNames = exts};
    VkResult r = vkCreateInstance(&ci, NULL, &in->instance);
    if (r != VK_SUCCESS) {
        snprintf(in->reason, sizeof in->reason, "no Vulkan driver (vkCreateInstance returned %d)", (int)r);
        in->instance = VK_NULL_HANDLE;
        return;
    }
    if (debug_utils) {
        PFN_vkCreateDebugUtilsMessengerEXT create =
            (PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(in->instance, "vkCreateDebugUtilsMessengerEXT");
        VkDebugUtilsMessengerCreateInfoEXT mi = {
            .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
            .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
            .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT,
            .pfnUserCallback = on_validation, .pUserData = (void *)h};
        if (create) create(in->instance, &mi, NULL, &in->messenger);
    }
    uint32_t np = 0;
    vkEnumeratePhysicalDevices(in->instance, &np, NULL);
    pin_mesa_drivers();
    VkPhysicalDevice phys[MAX_DEVICES];
    if (np > MAX_DEVICES) np = MAX_DEVICES;
    if (np == 0 || vkEnumeratePhysicalDevices(in->instance, &np, phys) < 0) {
        snprintf(in->reason, sizeof in->reason, "no Vulkan physical device");
        return;
    }
    const char *want = h->secure_getenv(h->ctx, "TRUENO_VULKAN_DEVICE");
    snprintf(in->reason, sizeof in->reason, "no Vulkan device matches TRUENO_VULKAN_DEVICE=%s", want ? want : "");
    for (uint32_t i = 0; i < np; i++) {
        VkPhysicalDeviceProperties pp;
        vkGetPhysicalDeviceProperties(phys[i], &pp);
        if (want && *want) {
            char *end;
            long idx = strtol(want, &end, 10);
            bool match = *end == 0 ? idx == (long)i : strcasestr(pp.deviceName, want) != NULL;
            if (!match) continue;
        }
        vk_device *d = NULL;
        trueno_status s = setup_device(in, phys[i], i, &d, in->reason, sizeof in->reason);
        if (s != TRUENO_OK || !d) {
            logf_(h, TRUENO_LOG_WARN, "%s", in->reason);
            continue;
        }
        in->devices[in->n_devices] = d;
        in->list[in->n_devices] = &d->handle;
        in->n_devices++;
    }
}

TRUENO_PLUGIN_EXPORT trueno_status trueno_plugin_entry(const trueno_abi_request *req, trueno_abi_reply *rep);
TRUENO_PLUGIN_EXPORT trueno_status trueno_plugin_entry(const trueno_abi_request *req, trueno_abi_reply *rep)
{
    if (req->major != TRUENO_ABI_MAJOR) return TRUENO_INCOMPATIBLE;
    const trueno_host *h = req->host;
    vk_instance *in = h->aligned_alloc(h->ctx, 64, sizeof *in);
    if (!in) return TRUENO_OUT_OF_MEMORY;
    memset(in, 0, sizeof *in);
    in->host = h;
    discover(in);
    rep->major = TRUENO_ABI_MAJOR;
    rep->minor = TRUENO_ABI_MINOR < req->max_minor ? TRUENO_ABI_MINOR : req->max_minor;
    rep->plugin = &vk_plugin;
    rep->instance = in;
    return TRUENO_OK;
}
