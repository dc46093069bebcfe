/* reasm: the first bytes of one byte stream put back in order, bounded. It serves the
 * client's TCP stream from ISN+1 (so a ClientHello split across segments can be read)
 * and QUIC's CRYPTO stream from offset 0 (so one split across Initial packets can).
 *
 * Pieces arrive by position, out of order, repeated, overlapping. The first copy of a byte
 * wins, as the receiving kernel keeps the first: a VM that retransmits a segment with other
 * bytes does not get to change what we read after we read it. Only the first `cap` bytes
 * of the stream are kept, and at most REASM_RANGES separate ranges (holes between them);
 * the buffer grows in REASM_CHUNK steps, each charged to a pool shared by every stream, so
 * the memory all flows can make us hold is bounded too. Pure: no I/O, no clock. */
#ifndef OCA_REASM_H
#define OCA_REASM_H

#include <stddef.h>
#include <stdint.h>

#define REASM_RANGES 8
#define REASM_CHUNK 4096

/* The budget shared by every stream: bytes of buffer allocated, at most limit. */
struct reasm_pool {
	size_t used;
	size_t limit;
};

struct reasm {
	uint32_t base;             /* stream position (TCP sequence number) of byte 0 */
	uint32_t cap;              /* bytes of the stream kept at most */
	uint32_t alloc;            /* bytes of buf */
	uint8_t n;                 /* ranges held */
	struct { uint32_t start, end; } r[REASM_RANGES];   /* sorted, disjoint, not touching */
	uint8_t *buf;
};

enum reasm_result {
	REASM_OK = 0,      /* the piece was taken (or was already there) */
	REASM_CUT,         /* taken in part: bytes past cap were dropped */
	REASM_BEYOND,      /* nothing taken: it starts at or past cap */
	REASM_HOLES,       /* nothing taken: it would make more than REASM_RANGES ranges */
	REASM_NOMEM,       /* nothing taken: the pool's limit (or malloc) refused the buffer */
};

/* Start an empty stream whose byte 0 is at position base, keeping at most cap bytes
 * (cap <= 1 GiB). Allocates nothing. */
void reasm_init(struct reasm *r, uint32_t base, uint32_t cap);

/* Add len bytes found at stream offset off (0 = byte 0). */
enum reasm_result reasm_add(struct reasm *r, struct reasm_pool *pool, uint64_t off,
                            const uint8_t *data, size_t len);

/* Add a TCP segment's payload whose first byte has sequence number seq (modulo 2^32;
 * bytes before base are dropped as old). */
enum reasm_result reasm_add_seq(struct reasm *r, struct reasm_pool *pool, uint32_t seq,
                                const uint8_t *data, size_t len);

/* The bytes in order from byte 0, *len of them (0 and NULL while byte 0 is missing).
 * Valid until the next reasm_add* or reasm_free. */
const uint8_t *reasm_data(const struct reasm *r, size_t *len);

/* Free the buffer and give its bytes back to the pool; r is empty again (same base). */
void reasm_free(struct reasm *r, struct reasm_pool *pool);

#endif
