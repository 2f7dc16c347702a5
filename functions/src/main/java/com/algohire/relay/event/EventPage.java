package com.algohire.relay.event;

import java.util.List;

/** One page of events, newest first; {@code nextCursor} is null on the last page. */
public record EventPage(List<EventSummary> events, String nextCursor) {
}
