/* pcapread: the capture sensor's reader thread, [collector] pcap_interface.
 *
 * libpcap captures on Linux's "any" device, opened while the daemon still holds
 * CAP_NET_RAW, and the kernel filter keeps only the VM's bridge and the VM's addresses:
 * "ifindex N and (net VM_SUBNET ...)" (libpcap >= 1.10, DLT_LINUX_SLL2, whose interface
 * index libpcap turns into the kernel's SKF_AD_IFINDEX). The bridge may not exist yet
 * when the daemon starts, and the host may delete and recreate it (a new index): the
 * thread follows its name through rtnetlink link messages and sets the filter again,
 * which needs no privilege, so it works after the drop. Until the bridge exists the
 * filter lets nothing through, and that stretch is recorded as the sensor's state.
 *
 * Each frame goes to the capture sensor (capture/capture.h); its hellos and byte records
 * become events on the queue (never waiting on it: a full queue is counted). Kernel and
 * libpcap drops (pcap_stats) and what the sensor could not count or read are added to the
 * loss counters about once a second.
 *
 * The snap length is the largest IP packet plus the link header: the kernel hands the
 * capture GRO/GSO batches of up to 64 KiB, and a ClientHello split across segments, or an
 * HTTP request head with its body behind it, can sit in one of them. Bytes are counted
 * from the IP header's length, never from what was captured. */
#ifndef OCA_PCAPREAD_H
#define OCA_PCAPREAD_H

#include <stddef.h>

#include "common/conf.h"
#include "common/queue.h"
#include "common/stats.h"

#define PCAPREAD_SNAPLEN (20 + 65535)      /* SLL2 header + the largest IP packet */
#define PCAPREAD_BUFFER (4u << 20)         /* the kernel ring: bench/README.md, section 5 */
#define PCAPREAD_BLOCK_MS 100              /* a ring block is handed over at least this
                                              often: the hellos' delay at most */

struct pcapread;

/* Open the capture on c->pcap_interface for c->vm_subnet (needs CAP_NET_RAW), pushing to
 * q and counting in st (both must outlive it; c too). Returns NULL with one line in err:
 * no permission, a libpcap without the "any" device's SLL2, a filter that does not
 * compile. The interface need not exist. */
struct pcapread *pcapread_open(const struct conf *c, struct queue *q, struct stats *st,
                               char *err, size_t errlen);

/* Start the reader thread. Returns 0, or -1 with errno. */
int pcapread_start(struct pcapread *p);

/* Stop the thread: it reads what crossed before the stop (the kernel hands the last,
 * unfilled block over within 2 * PCAPREAD_BLOCK_MS), ends every flow (their last byte
 * records) and pushes them before it returns. Call before the queue is closed. NULL is
 * fine. */
void pcapread_stop(struct pcapread *p);

/* Close and free (after pcapread_stop, or if never started). NULL is fine. */
void pcapread_close(struct pcapread *p);

/* The filter for interface index ifindex, c's VM prefixes, and not the VM's DNS to the
 * collector's own resolver (c's [dns] listen: the resolver records that), as libpcap
 * compiles it: "ifindex 5 and (net 192.168.83.0/24 or net fd83::/64) and not (host
 * 192.168.83.1 and port 53)", into out. Pure. Returns out. */
char *pcapread_filter(int ifindex, const struct conf *c, char *out, size_t outlen);

#endif
