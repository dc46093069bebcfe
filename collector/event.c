#include "config.h"

#include <stdlib.h>

#include "event.h"

void
dns_event_free(struct dns_event *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->n_answers; i++) {
		free(ev->answers[i].name);
		free(ev->answers[i].data);
	}
	free(ev->answers);
	free(ev);
}
