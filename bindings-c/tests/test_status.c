/* Every status code reached on purpose, NULL and bad arguments, the status
 * names and the version. */
#include <stdbool.h>
#include <string.h>

#include "harness.h"

static void version_matches_the_header(void) {
  char want[64];
  snprintf(want, sizeof want, "%d.%d.%d", PC_VERSION_MAJOR, PC_VERSION_MINOR, PC_VERSION_PATCH);
  CHECK(strcmp(pc_version(), want) == 0);
}

static void status_names(void) {
  CHECK(strcmp(pc_status_str(PC_OK), "PC_OK") == 0);
  CHECK(strcmp(pc_status_str(PC_CLOSED), "PC_CLOSED") == 0);
  CHECK(strcmp(pc_status_str(PC_TIMEOUT), "PC_TIMEOUT") == 0);
  CHECK(strcmp(pc_status_str(PC_FULL), "PC_FULL") == 0);
  CHECK(strcmp(pc_status_str(PC_EMPTY), "PC_EMPTY") == 0);
  CHECK(strcmp(pc_status_str(PC_INVALID_ARG), "PC_INVALID_ARG") == 0);
  CHECK(strcmp(pc_status_str(PC_NO_MEMORY), "PC_NO_MEMORY") == 0);
  CHECK(strcmp(pc_status_str(PC_PANIC), "PC_PANIC") == 0);
  CHECK(strcmp(pc_status_str(PC_NOT_OWNER), "PC_NOT_OWNER") == 0);
  CHECK(strcmp(pc_status_str(PC_BROKEN), "PC_BROKEN") == 0);
  CHECK(strcmp(pc_status_str(PC_FAILED), "PC_FAILED") == 0);
  CHECK(strcmp(pc_status_str(PC_CANCELLED), "PC_CANCELLED") == 0);
  CHECK(strcmp(pc_status_str(PC_ALREADY_COMPLETED), "PC_ALREADY_COMPLETED") == 0);
  CHECK(strcmp(pc_status_str(PC_NEGATIVE_COUNT), "PC_NEGATIVE_COUNT") == 0);
  /* Codes are appended, never renumbered. */
  CHECK(PC_PANIC == 7 && PC_NOT_OWNER == 8 && PC_BROKEN == 9 && PC_FAILED == 10 &&
        PC_CANCELLED == 11 && PC_ALREADY_COMPLETED == 12 && PC_NEGATIVE_COUNT == 13);
  CHECK(strcmp(pc_status_str(-1), "PC_UNKNOWN_STATUS") == 0);
  CHECK(strcmp(pc_status_str(14), "PC_UNKNOWN_STATUS") == 0);
  CHECK(sizeof(pc_status) == 4);
}

static void every_status_on_purpose(void) {
  int64_t v = 1, out = 0;
  pc_chan *ch = new_chan(sizeof v, 1);
  CHECK_STATUS(pc_chan_send(ch, &v, 0), PC_OK);
  CHECK_STATUS(pc_chan_send(ch, &v, 0), PC_FULL);
  CHECK_STATUS(pc_chan_send(ch, &v, 1 * MS), PC_TIMEOUT);
  CHECK_STATUS(pc_chan_recv(ch, &out, 0), PC_OK);
  CHECK(out == 1);
  CHECK_STATUS(pc_chan_recv(ch, &out, 0), PC_EMPTY);
  CHECK_STATUS(pc_chan_recv(ch, &out, 1 * MS), PC_TIMEOUT);
  CHECK_STATUS(pc_chan_close(ch), PC_OK);
  CHECK_STATUS(pc_chan_close(ch), PC_CLOSED);
  CHECK_STATUS(pc_chan_send(ch, &v, PC_FOREVER), PC_CLOSED);
  CHECK_STATUS(pc_chan_recv(ch, &out, PC_FOREVER), PC_CLOSED);
  CHECK_STATUS(pc_chan_send(NULL, &v, 0), PC_INVALID_ARG);
  pc_chan_free(ch);

  /* No memory: an element of PTRDIFF_MAX bytes cannot be allocated (the
   * library allocates before it copies, so `v` is never read past its 8
   * bytes). The channel itself is fine: its slots hold pointers. A huge
   * capacity is not a memory error (see test_chan's huge capacities). */
  pc_chan *huge = new_chan((size_t)PTRDIFF_MAX, 1);
  CHECK_STATUS(pc_chan_send(huge, &v, 0), PC_NO_MEMORY);
  CHECK(pc_chan_len(huge) == 0); /* nothing was sent */
  pc_chan_free(huge);
  /* PC_PANIC takes a bug in the library to happen; the Rust unit test
   * a_panic_becomes_pc_panic checks that a panic becomes it. */
}

static void null_and_bad_arguments(void) {
  int64_t v = 0;
  pc_chan *ch = new_chan(sizeof v, 1);
  pc_chan *out = NULL;
  CHECK_STATUS(pc_chan_new(8, 1, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_chan_new((size_t)PTRDIFF_MAX + 1, 1, &out), PC_INVALID_ARG);
  CHECK_STATUS(pc_chan_new_with_drop(8, 1, NULL, NULL, &out), PC_INVALID_ARG);
  CHECK(out == NULL);
  CHECK_STATUS(pc_chan_clone(NULL, &out), PC_INVALID_ARG);
  CHECK_STATUS(pc_chan_clone(ch, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_chan_send(NULL, &v, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_chan_send(ch, NULL, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_chan_recv(NULL, &v, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_chan_recv(ch, NULL, 0), PC_INVALID_ARG);
  CHECK_STATUS(pc_chan_close(NULL), PC_INVALID_ARG);
  CHECK(pc_chan_len(NULL) == 0);
  CHECK(pc_chan_capacity(NULL) == 0);
  CHECK(pc_chan_elem_size(NULL) == 0);
  CHECK(!pc_chan_is_closed(NULL));
  pc_chan_free(NULL);
  /* Nothing above touched the channel. */
  CHECK(pc_chan_len(ch) == 0 && !pc_chan_is_closed(ch));

  size_t fired = 99;
  pc_select_case ok_case = {PC_SELECT_RECV, ch, &v, PC_OK};
  CHECK_STATUS(pc_select(&ok_case, 1, 0, NULL), PC_INVALID_ARG);
  CHECK_STATUS(pc_select(NULL, 1, 0, &fired), PC_INVALID_ARG);
  pc_select_case bad_kind = {7, ch, &v, PC_OK};
  CHECK_STATUS(pc_select(&bad_kind, 1, 0, &fired), PC_INVALID_ARG);
  pc_select_case null_elem = {PC_SELECT_SEND, ch, NULL, PC_OK};
  CHECK_STATUS(pc_select(&null_elem, 1, 0, &fired), PC_INVALID_ARG);
  CHECK(fired == 99);
  CHECK(pc_chan_len(ch) == 0);
  /* No cases and no waiting: nothing can fire. */
  CHECK_STATUS(pc_select(NULL, 0, 0, &fired), PC_EMPTY);
  pc_chan_free(ch);
}

static void zero_size_elements_allow_null(void) {
  pc_chan *done = new_chan(0, 1);
  CHECK(pc_chan_elem_size(done) == 0);
  CHECK_STATUS(pc_chan_send(done, NULL, 0), PC_OK);
  CHECK(pc_chan_len(done) == 1);
  CHECK_STATUS(pc_chan_recv(done, NULL, 0), PC_OK);
  pc_chan_free(done);
}

int main(void) {
  RUN(version_matches_the_header);
  RUN(status_names);
  RUN(every_status_on_purpose);
  RUN(null_and_bad_arguments);
  RUN(zero_size_elements_allow_null);
  return 0;
}
