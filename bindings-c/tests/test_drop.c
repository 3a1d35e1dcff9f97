/* The drop callback: called for each element still buffered when the last
 * handle is freed, and never for elements the caller still owns. Elements
 * are malloc'ed pointers, so a missed call is a leak that ASan and valgrind
 * report, and a wrong call a double free. */
#include <string.h>

#include "harness.h"


static pc_chan *new_owning_chan(size_t capacity, drops_t *drops) {
  pc_chan *ch = NULL;
  CHECK_STATUS(pc_chan_new_with_drop(sizeof(int64_t *), capacity, free_payload, drops, &ch), PC_OK);
  return ch;
}

static void leftovers_are_dropped_at_the_last_free(void) {
  drops_t drops = {0, 0};
  pc_chan *ch = new_owning_chan(8, &drops);
  for (int64_t i = 1; i <= 5; i++) {
    int64_t *p = payload(i);
    CHECK_STATUS(pc_chan_send(ch, &p, 0), PC_OK);
  }
  for (int i = 0; i < 2; i++) { /* receive 1 and 2: now ours */
    int64_t *p = NULL;
    CHECK_STATUS(pc_chan_recv(ch, &p, 0), PC_OK);
    free(p);
  }
  pc_chan *other = NULL;
  CHECK_STATUS(pc_chan_clone(ch, &other), PC_OK);
  CHECK_STATUS(pc_chan_close(ch), PC_OK); /* closing drops nothing */
  pc_chan_free(ch);
  CHECK(drops.calls == 0); /* a handle is left */
  pc_chan_free(other);
  CHECK(drops.calls == 3);
  CHECK(drops.sum == 3 + 4 + 5);
}

static void unsent_elements_stay_the_callers(void) {
  drops_t drops = {0, 0};
  pc_chan *ch = new_owning_chan(1, &drops);
  int64_t *kept = payload(10);
  CHECK_STATUS(pc_chan_send(ch, &kept, 0), PC_OK);
  int64_t *p = payload(20);
  CHECK_STATUS(pc_chan_send(ch, &p, 0), PC_FULL);
  CHECK_STATUS(pc_chan_send(ch, &p, 1 * MS), PC_TIMEOUT);
  pc_select_case c = {PC_SELECT_SEND, ch, &p, -1};
  size_t fired;
  CHECK_STATUS(pc_select(&c, 1, 1 * MS, &fired), PC_TIMEOUT);
  CHECK_STATUS(pc_chan_close(ch), PC_OK);
  CHECK_STATUS(pc_chan_send(ch, &p, PC_FOREVER), PC_CLOSED);
  CHECK(drops.calls == 0);
  free(p); /* still ours after every failed send */
  pc_chan_free(ch);
  CHECK(drops.calls == 1 && drops.sum == 10);
}

static void an_empty_channel_drops_nothing(void) {
  drops_t drops = {0, 0};
  pc_chan *ch = new_owning_chan(0, &drops);
  pc_chan_free(ch);
  CHECK(drops.calls == 0);
}

int main(void) {
  RUN(leftovers_are_dropped_at_the_last_free);
  RUN(unsent_elements_stay_the_callers);
  RUN(an_empty_channel_drops_nothing);
  return 0;
}
