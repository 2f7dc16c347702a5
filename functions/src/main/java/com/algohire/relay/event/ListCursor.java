package com.algohire.relay.event;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where the next page of an event list starts: the filter it belongs to, the day being walked (lists without an
 * eventType filter only) and, for each of the {@link EventItems#LIST_SHARDS} shards of that day or type, how far
 * the pages so far have read it.
 *
 * @param eventType the list's eventType filter, null for none
 * @param day       the day being walked, null for a list by type
 * @param positions one entry per shard: null when nothing has been taken from it yet (start at the top of the
 *                  range), {@link #DONE} when it has nothing more in the range, else the {@code receivedSort} of
 *                  the last event taken from it (the next page continues below it)
 */
record ListCursor(String eventType, LocalDate day, List<String> positions) {
    static final String DONE = "";

    ListCursor {
        // Not List.copyOf: null entries are meaningful here.
        positions = Collections.unmodifiableList(new ArrayList<>(positions));
    }
}
