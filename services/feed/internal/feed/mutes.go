package feed

import (
	"context"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
)

// mutedOwners is the set of accounts a reader muted, whose photos a page
// leaves out. It is asked of the user service (ListMutedIds) once per
// page, in the background, while the page reads the tail cursor, its
// reader's state and the timeline; those who wait for it (the checks of
// candidates, fan-out on read, the celebrities' merge) do so after their
// own calls have been sent. Muted photos stay in the timeline, so that an
// unmute brings them back on the next page.
type mutedOwners struct {
	done chan struct{}
	ids  map[string]bool
	err  error
}

// mutedOwners starts asking which accounts reader muted.
func (s *Server) mutedOwners(ctx context.Context, reader string) *mutedOwners {
	m := &mutedOwners{done: make(chan struct{})}
	go func() {
		defer close(m.done)
		resp, err := s.users.ListMutedIds(ctx, &userv1.ListMutedIdsRequest{UserId: reader})
		if err != nil {
			m.err = upstreamError("list muted ids", err)
			return
		}
		m.ids = make(map[string]bool, len(resp.GetUserIds()))
		for _, id := range resp.GetUserIds() {
			m.ids[id] = true
		}
	}()
	return m
}

// wait returns the muted accounts once the answer is in.
func (m *mutedOwners) wait() (map[string]bool, error) {
	<-m.done
	return m.ids, m.err
}
