/*
 * Thin C shim over the system libjpeg-turbo (libjpeg62 API) for Proofroom's image pipeline.
 *
 * Why a shim: libjpeg reports fatal errors through error_exit(), which by default calls exit().
 * Every entry point here arms a setjmp() and our error_exit() longjmp()s back to it, so a bad
 * file turns into an error code for Rust. Nothing ever unwinds through C, and the Rust side
 * never passes callbacks in, so no Rust frame is ever jumped over.
 *
 * Warnings (premature end of data, corrupt entropy data, ...) do not stop libjpeg: it fills the
 * rest of the image with grey. We count them so Rust can refuse such files as corrupt. The
 * harmless "extraneous bytes before marker" warning is counted separately.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#define PR_OK 0
#define PR_ERR 1
#define PR_ERR_NOMEM 2

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  int serious_warnings;
  char message[JMSG_LENGTH_MAX];
} pr_error_mgr;

static void pr_error_exit(j_common_ptr cinfo) {
  pr_error_mgr *err = (pr_error_mgr *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, err->message);
  longjmp(err->jump, 1);
}

/* Keep libjpeg quiet on stderr; remember the first warning's text. */
static void pr_output_message(j_common_ptr cinfo) {
  pr_error_mgr *err = (pr_error_mgr *)cinfo->err;
  if (err->message[0] == '\0') (*cinfo->err->format_message)(cinfo, err->message);
}

static void pr_emit_message(j_common_ptr cinfo, int msg_level) {
  pr_error_mgr *err = (pr_error_mgr *)cinfo->err;
  if (msg_level < 0) {
    if (err->pub.msg_code != JWRN_EXTRANEOUS_DATA) {
      if (err->serious_warnings == 0) {
        err->message[0] = '\0';
        pr_output_message(cinfo);
      }
      err->serious_warnings++;
    }
    err->pub.num_warnings++;
  }
  /* trace messages (msg_level >= 0) are dropped */
}

static void pr_init_error(pr_error_mgr *err) {
  jpeg_std_error(&err->pub);
  err->pub.error_exit = pr_error_exit;
  err->pub.output_message = pr_output_message;
  err->pub.emit_message = pr_emit_message;
  err->serious_warnings = 0;
  err->message[0] = '\0';
}

static int pr_is_nomem(const pr_error_mgr *err) {
  int code = err->pub.msg_code;
  return code == JERR_OUT_OF_MEMORY || code == JERR_NO_BACKING_STORE ||
         code == JERR_TFILE_CREATE || code == JERR_WIDTH_OVERFLOW;
}

/* ------------------------------------------------------------------------------------------ */
/* Decoder                                                                                    */

typedef struct {
  struct jpeg_decompress_struct cinfo;
  pr_error_mgr err;
  int created;
  int started;
  int cmyk;          /* output is CMYK and must be converted to RGB by us */
  int adobe_inverted; /* Adobe CMYK JPEGs store inverted values */
  unsigned char *row; /* CMYK scanline scratch */
} pr_decoder;

typedef struct {
  unsigned int width;
  unsigned int height;
  int components;
  int color_space; /* J_COLOR_SPACE of the file */
  int progressive;
} pr_header;

pr_decoder *pr_dec_new(void) {
  pr_decoder *d = (pr_decoder *)calloc(1, sizeof(pr_decoder));
  return d;
}

void pr_dec_free(pr_decoder *d) {
  if (!d) return;
  if (d->created) jpeg_destroy_decompress(&d->cinfo);
  free(d->row);
  free(d);
}

const char *pr_dec_message(const pr_decoder *d) { return d->err.message; }
int pr_dec_warnings(const pr_decoder *d) { return d->err.serious_warnings; }

/* Reads the header from an in-memory JPEG. `max_memory` caps libjpeg's own allocations (for
 * example the whole-image coefficient buffer of a progressive file); 0 means no cap. */
int pr_dec_header(pr_decoder *d, const unsigned char *data, unsigned long len, long max_memory,
                  pr_header *out) {
  pr_init_error(&d->err);
  d->cinfo.err = &d->err.pub;
  if (setjmp(d->err.jump)) return pr_is_nomem(&d->err) ? PR_ERR_NOMEM : PR_ERR;
  jpeg_create_decompress(&d->cinfo);
  d->created = 1;
  if (max_memory > 0) d->cinfo.mem->max_memory_to_use = max_memory;
  jpeg_mem_src(&d->cinfo, data, len);
  jpeg_read_header(&d->cinfo, TRUE);
  out->width = d->cinfo.image_width;
  out->height = d->cinfo.image_height;
  out->components = d->cinfo.num_components;
  out->color_space = (int)d->cinfo.jpeg_color_space;
  out->progressive = d->cinfo.progressive_mode ? 1 : 0;
  return PR_OK;
}

/* Starts a decode at scale num/8 (libjpeg-turbo supports 1..16 over 8) straight to RGB. Grey
 * and YCbCr are converted by libjpeg; CMYK/YCCK come out as CMYK and are converted per row in
 * pr_dec_read. Fancy (smooth) chroma upsampling stays on: with DCT scaling libjpeg-turbo then
 * decodes chroma at twice the scale instead of upsampling, and measured no slower than off. */
int pr_dec_start(pr_decoder *d, int scale_num, int scale_denom, unsigned int *out_w,
                 unsigned int *out_h) {
  if (setjmp(d->err.jump)) return pr_is_nomem(&d->err) ? PR_ERR_NOMEM : PR_ERR;
  d->cinfo.scale_num = (unsigned int)scale_num;
  d->cinfo.scale_denom = (unsigned int)scale_denom;
  d->cinfo.dct_method = JDCT_ISLOW;
  d->cinfo.do_fancy_upsampling = TRUE;
  d->cinfo.do_block_smoothing = TRUE;
  if (d->cinfo.jpeg_color_space == JCS_CMYK || d->cinfo.jpeg_color_space == JCS_YCCK) {
    d->cinfo.out_color_space = JCS_CMYK;
    d->cmyk = 1;
    d->adobe_inverted = d->cinfo.saw_Adobe_marker ? 1 : 0;
  } else {
    d->cinfo.out_color_space = JCS_EXT_RGB;
    d->cmyk = 0;
  }
  jpeg_calc_output_dimensions(&d->cinfo);
  *out_w = d->cinfo.output_width;
  *out_h = d->cinfo.output_height;
  return PR_OK;
}

static void pr_cmyk_to_rgb(const unsigned char *src, unsigned char *dst, unsigned int width,
                           int inverted) {
  unsigned int x;
  for (x = 0; x < width; x++) {
    unsigned int c = src[0], m = src[1], y = src[2], k = src[3];
    if (!inverted) {
      c = 255 - c;
      m = 255 - m;
      y = 255 - y;
      k = 255 - k;
    }
    /* inverted form: value = (255 - ink); channel = value_c * value_k / 255 */
    dst[0] = (unsigned char)((c * k + 127) / 255);
    dst[1] = (unsigned char)((m * k + 127) / 255);
    dst[2] = (unsigned char)((y * k + 127) / 255);
    src += 4;
    dst += 3;
  }
}

/* Decodes every scanline into `out` (RGB, `stride` bytes per row, at least out_h rows).
 * `max_memory` (> 0) is what libjpeg may still allocate once the caller's output buffer exists. */
int pr_dec_read(pr_decoder *d, unsigned char *out, unsigned long stride, unsigned long out_len,
                long max_memory) {
  JSAMPROW rows[16];
  if (setjmp(d->err.jump)) return pr_is_nomem(&d->err) ? PR_ERR_NOMEM : PR_ERR;
  if (max_memory > 0) d->cinfo.mem->max_memory_to_use = max_memory;
  jpeg_start_decompress(&d->cinfo);
  d->started = 1;
  if (stride < (unsigned long)d->cinfo.output_width * 3UL ||
      out_len < stride * (unsigned long)d->cinfo.output_height) {
    strcpy(d->err.message, "output buffer too small");
    return PR_ERR;
  }
  if (d->cmyk) {
    d->row = (unsigned char *)malloc((size_t)d->cinfo.output_width * 4);
    if (!d->row) {
      strcpy(d->err.message, "out of memory");
      return PR_ERR_NOMEM;
    }
    while (d->cinfo.output_scanline < d->cinfo.output_height) {
      JDIMENSION y = d->cinfo.output_scanline;
      rows[0] = d->row;
      if (jpeg_read_scanlines(&d->cinfo, rows, 1) != 1) break;
      pr_cmyk_to_rgb(d->row, out + (size_t)y * stride, d->cinfo.output_width, d->adobe_inverted);
    }
  } else {
    while (d->cinfo.output_scanline < d->cinfo.output_height) {
      JDIMENSION y = d->cinfo.output_scanline;
      JDIMENSION n = d->cinfo.output_height - y;
      JDIMENSION i;
      if (n > 16) n = 16;
      for (i = 0; i < n; i++) rows[i] = out + (size_t)(y + i) * stride;
      if (jpeg_read_scanlines(&d->cinfo, rows, n) == 0) break;
    }
  }
  jpeg_finish_decompress(&d->cinfo);
  return PR_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Encoder                                                                                    */

/* Growable in-memory destination owned by us (not jpeg_mem_dest) so the error path can always
 * free it. Lives on the heap: locals changed between setjmp and longjmp are indeterminate. */
typedef struct {
  struct jpeg_destination_mgr pub;
  struct jpeg_compress_struct cinfo;
  pr_error_mgr err;
  unsigned char *buf;
  size_t cap;
  size_t len;
} pr_encoder;

static void pr_dest_init(j_compress_ptr cinfo) {
  (void)cinfo; /* buffer is set up before jpeg_start_compress */
}

static boolean pr_dest_empty(j_compress_ptr cinfo) {
  pr_encoder *e = (pr_encoder *)cinfo->client_data;
  size_t new_cap = e->cap * 2;
  unsigned char *nb = (unsigned char *)realloc(e->buf, new_cap);
  if (!nb) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 10);
  e->buf = nb;
  e->pub.next_output_byte = nb + e->cap;
  e->pub.free_in_buffer = new_cap - e->cap;
  e->cap = new_cap;
  return TRUE;
}

static void pr_dest_term(j_compress_ptr cinfo) {
  pr_encoder *e = (pr_encoder *)cinfo->client_data;
  e->len = e->cap - e->pub.free_in_buffer;
}

/* Encodes packed RGB (components = 3) to a baseline JFIF JPEG (4:2:0, no Huffman
 * optimisation, not progressive: the fastest settings). components = 1 (grey) and 4 (Adobe
 * inverted CMYK) exist for the tests, which need such files as decoder input. On success *out and *out_len hold a malloc'd buffer to release with
 * pr_free. No metadata other than the JFIF APP0 is written. `size_hint` is the initial
 * capacity of the output buffer (it grows by doubling). */
int pr_encode(const unsigned char *pixels, unsigned int width, unsigned int height,
              unsigned long stride, int components, int quality, unsigned long size_hint,
              unsigned char **out, unsigned long *out_len, char *message, int message_len) {
  JSAMPROW rows[16];
  pr_encoder *e = (pr_encoder *)calloc(1, sizeof(pr_encoder));
  *out = NULL;
  *out_len = 0;
  if (!e) return PR_ERR_NOMEM;
  e->cap = size_hint < 4096 ? 4096 : (size_t)size_hint;
  e->buf = (unsigned char *)malloc(e->cap);
  if (!e->buf) {
    free(e);
    return PR_ERR_NOMEM;
  }
  pr_init_error(&e->err);
  e->cinfo.err = &e->err.pub;
  if (setjmp(e->err.jump)) {
    int code = pr_is_nomem(&e->err) ? PR_ERR_NOMEM : PR_ERR;
    if (message_len > 0) {
      strncpy(message, e->err.message, (size_t)message_len - 1);
      message[message_len - 1] = '\0';
    }
    jpeg_destroy_compress(&e->cinfo);
    free(e->buf);
    free(e);
    return code;
  }
  jpeg_create_compress(&e->cinfo);
  e->cinfo.client_data = e;
  e->pub.init_destination = pr_dest_init;
  e->pub.empty_output_buffer = pr_dest_empty;
  e->pub.term_destination = pr_dest_term;
  e->pub.next_output_byte = e->buf;
  e->pub.free_in_buffer = e->cap;
  e->cinfo.dest = &e->pub;
  e->cinfo.image_width = width;
  e->cinfo.image_height = height;
  e->cinfo.input_components = components;
  e->cinfo.in_color_space =
      components == 1 ? JCS_GRAYSCALE : (components == 4 ? JCS_CMYK : JCS_EXT_RGB);
  jpeg_set_defaults(&e->cinfo);
  jpeg_set_quality(&e->cinfo, quality, TRUE);
  e->cinfo.optimize_coding = FALSE;
  e->cinfo.dct_method = JDCT_ISLOW;
  if (components != 4) {
    e->cinfo.write_JFIF_header = TRUE;
    e->cinfo.write_Adobe_marker = FALSE;
  }
  jpeg_start_compress(&e->cinfo, TRUE);
  while (e->cinfo.next_scanline < e->cinfo.image_height) {
    JDIMENSION y = e->cinfo.next_scanline;
    JDIMENSION n = e->cinfo.image_height - y;
    JDIMENSION i;
    if (n > 16) n = 16;
    for (i = 0; i < n; i++) rows[i] = (JSAMPROW)(pixels + (size_t)(y + i) * stride);
    jpeg_write_scanlines(&e->cinfo, rows, n);
  }
  jpeg_finish_compress(&e->cinfo);
  jpeg_destroy_compress(&e->cinfo);
  *out = e->buf;
  *out_len = (unsigned long)e->len;
  free(e);
  return PR_OK;
}

void pr_free(void *p) { free(p); }
