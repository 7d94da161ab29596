package ec2instances

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var bg = context.Background()

func maxResults(ins []*ec2.DescribeInstancesInput) []int32 {
	out := make([]int32, len(ins))
	for i, in := range ins {
		out[i] = aws.ToInt32(in.MaxResults)
	}
	return out
}

func collect(t *testing.T, c Collection) ([]string, error) {
	t.Helper()
	var ids []string
	var errs []error
	for inst, err := range c.Iter(bg) {
		if err != nil {
			require.Nil(t, inst, "an error comes with a nil instance")
			errs = append(errs, err)
			continue
		}
		require.Empty(t, errs, "nothing is yielded after an error")
		ids = append(ids, inst.ID())
	}
	require.LessOrEqual(t, len(errs), 1, "an error is yielded once")
	if len(errs) == 1 {
		return ids, errs[0]
	}
	return ids, nil
}

func TestBuildingSendsNothing(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 10))}
	ins := New(s)
	c := ins.All().Filter(Where("instance-state-name", "running")).Limit(3).PageSize(5)
	_ = c.Filter(Tag("env", "prod"))
	_ = ins.Instance(fakeID(1))
	assert.Equal(t, 0, s.total())
}

func TestDefaultPageSizeAndFilters(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 2500))}
	c := New(s).Filter(Where("instance-state-name", "running", "stopped")).Filter(Tag("env", "prod"))
	ids, err := collect(t, c)
	require.NoError(t, err)
	assert.Equal(t, fakeIDs(0, 2500), ids)
	in := s.describes()
	require.Len(t, in, 3)
	assert.Equal(t, []int32{1000, 1000, 1000}, maxResults(in))
	assert.Nil(t, in[0].NextToken)
	assert.Equal(t, "1000", aws.ToString(in[1].NextToken))
	assert.Equal(t, "2000", aws.ToString(in[2].NextToken))
	for _, r := range in {
		assert.Nil(t, r.InstanceIds)
		assert.Equal(t, []types.Filter{
			{Name: aws.String("instance-state-name"), Values: []string{"running", "stopped"}},
			{Name: aws.String("tag:env"), Values: []string{"prod"}},
		}, r.Filters)
	}
}

func TestPageSizeFromOptionsAndCollection(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 30))}
	ins := New(s, func(o *Options) { o.PageSize = 20 })
	_, err := collect(t, ins.All())
	require.NoError(t, err)
	assert.Equal(t, []int32{20, 20}, maxResults(s.describes()))

	s2 := &stub{describe: fleet(fakeIDs(0, 30))}
	_, err = collect(t, New(s2).All().PageSize(7).PageSize(10))
	require.NoError(t, err)
	assert.Equal(t, []int32{10, 10, 10}, maxResults(s2.describes()), "a later PageSize replaces an earlier one")
}

func TestLimitStopsFetching(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 100))}
	ids, err := collect(t, New(s).All().PageSize(10).Limit(25))
	require.NoError(t, err)
	assert.Equal(t, fakeIDs(0, 25), ids)
	assert.Equal(t, []int32{10, 10, 5}, maxResults(s.describes()), "the last request asks only for what the limit needs")

	s = &stub{describe: fleet(fakeIDs(0, 100))}
	ids, err = collect(t, New(s).All().Limit(3))
	require.NoError(t, err)
	assert.Equal(t, fakeIDs(0, 3), ids)
	assert.Equal(t, []int32{5}, maxResults(s.describes()), "MaxResults never goes below EC2's minimum of 5")

	s = &stub{describe: fleet(fakeIDs(0, 100))}
	ids, err = collect(t, New(s).All().Limit(50).Limit(20))
	require.NoError(t, err)
	assert.Len(t, ids, 20, "a later Limit replaces an earlier one")
	assert.Equal(t, 1, s.count("DescribeInstances"))
}

func TestLimitZeroSendsNothing(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 10))}
	c := New(s).All().Limit(0)
	ids, err := collect(t, c)
	require.NoError(t, err)
	assert.Empty(t, ids)
	list, err := c.List(bg)
	require.NoError(t, err)
	assert.Empty(t, list)
	res, err := c.Terminate(bg)
	require.NoError(t, err)
	assert.Zero(t, res.Len())
	assert.Equal(t, 0, s.total())
}

func TestEmptyInstanceIDsIsEmptyCollection(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 10))}
	ins := New(s)
	for _, c := range []Collection{
		ins.Filter(InstanceIDs()),
		ins.Filter(InstanceIDs([]string{}...)),
		ins.All().Filter(Where("instance-state-name", "running"), InstanceIDs()),
		ins.Filter(InstanceIDs(fakeID(1))).Filter(InstanceIDs(fakeID(2))), // nothing in common
	} {
		ids, err := collect(t, c)
		require.NoError(t, err)
		assert.Empty(t, ids, c.String())
		res, err := c.Terminate(bg)
		require.NoError(t, err)
		assert.Zero(t, res.Len())
		n, err := c.IDs(bg)
		require.NoError(t, err)
		assert.Empty(t, n)
	}
	assert.Equal(t, 0, s.total(), "an empty ID list never becomes 'all instances'")
}

func TestInstanceIDsSplitWithoutMaxResults(t *testing.T) {
	all := fakeIDs(0, 2500)
	s := &stub{describe: fleet(all)}
	c := New(s).Filter(InstanceIDs(all...)).PageSize(50)
	ids, err := collect(t, c)
	require.NoError(t, err)
	assert.Equal(t, all, ids)
	in := s.describes()
	require.Len(t, in, 3)
	assert.Equal(t, all[:1000], in[0].InstanceIds)
	assert.Equal(t, all[1000:2000], in[1].InstanceIds)
	assert.Equal(t, all[2000:], in[2].InstanceIds)
	for _, r := range in {
		assert.Nil(t, r.MaxResults, "EC2 refuses MaxResults next to InstanceIds")
	}
}

func TestChainedInstanceIDsIntersect(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 10))}
	c := New(s).Filter(InstanceIDs(fakeID(1), fakeID(2), fakeID(3))).Filter(InstanceIDs(fakeID(3), fakeID(2), fakeID(9)))
	ids, err := collect(t, c)
	require.NoError(t, err)
	assert.Equal(t, []string{fakeID(2), fakeID(3)}, ids)
	assert.Equal(t, []string{fakeID(2), fakeID(3)}, s.describes()[0].InstanceIds)
}

func TestMissingIDsReportedAfterTheOthers(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 10))}
	want := []string{fakeID(1), fakeID(77), fakeID(2), fakeID(78)}
	ids, err := collect(t, New(s).Filter(InstanceIDs(want...)))
	assert.Equal(t, []string{fakeID(1), fakeID(2)}, ids)
	require.ErrorIs(t, err, ErrNotFound)
	var nf *NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, []string{fakeID(77), fakeID(78)}, nf.IDs)
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae, "EC2's own error stays reachable")
	assert.Equal(t, "InvalidInstanceID.NotFound", ae.ErrorCode())
	assert.Contains(t, err.Error(), fakeID(77))
	in := s.describes()
	require.Len(t, in, 2)
	assert.Equal(t, []string{fakeID(1), fakeID(2)}, in[1].InstanceIds, "the call is repeated without the missing IDs")
}

func TestMissingIDsFoundByHalvingWhenEC2DoesNotNameThem(t *testing.T) {
	known := fakeIDs(0, 8)
	s := &stub{}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		for _, id := range in.InstanceIds {
			if !strings.HasPrefix(id, "i-0000000000000000") {
				return nil, apiErr("InvalidInstanceID.NotFound", "some instances do not exist")
			}
		}
		return fleet(known)(in)
	}
	ids, err := collect(t, New(s).Filter(InstanceIDs(fakeID(1), fakeID(2), fakeID(0x100), fakeID(3))))
	assert.ElementsMatch(t, []string{fakeID(1), fakeID(2), fakeID(3)}, ids)
	var nf *NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, []string{fakeID(0x100)}, nf.IDs)
}

func TestEmptyPagesWithTokenAreSkipped(t *testing.T) {
	s := &stub{describe: scripted(fakeIDs(0, 2), nil, nil, fakeIDs(2, 3), nil)}
	var sizes []int
	for page, err := range New(s).All().Pages(bg) {
		require.NoError(t, err)
		sizes = append(sizes, len(page))
	}
	assert.Equal(t, []int{2, 3}, sizes)
	assert.Equal(t, 5, s.count("DescribeInstances"), "an empty page with a NextToken is not the end")
}

func TestEarlyBreakStopsRequests(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 100))}
	n := 0
	for _, err := range New(s).All().PageSize(10).Iter(bg) {
		require.NoError(t, err)
		n++
		if n == 15 {
			break
		}
	}
	assert.Equal(t, 2, s.count("DescribeInstances"))

	s = &stub{describe: fleet(fakeIDs(0, 100))}
	for range New(s).All().PageSize(10).Pages(bg) {
		break
	}
	assert.Equal(t, 1, s.count("DescribeInstances"))
}

func TestErrorIsYieldedOnceAndEnds(t *testing.T) {
	calls := 0
	s := &stub{}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		calls++
		if calls == 2 {
			return nil, apiErr("UnauthorizedOperation", "You are not authorized to perform this operation.")
		}
		return fleet(fakeIDs(0, 100))(in)
	}
	ids, err := collect(t, New(s).All().PageSize(10))
	assert.Len(t, ids, 10)
	require.Error(t, err)
	assert.Equal(t, "UnauthorizedOperation", errorCode(err))
	assert.Equal(t, 2, calls)

	calls = 0
	list, err := New(s).All().PageSize(10).List(bg)
	assert.Error(t, err)
	assert.Len(t, list, 10, "List returns what was listed before the error")
}

func TestThrottledDescribeIsRetried(t *testing.T) {
	calls := 0
	s := &stub{}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		calls++
		if calls <= 2 {
			return nil, apiErr("RequestLimitExceeded", "Request limit exceeded.")
		}
		return fleet(fakeIDs(0, 3))(in)
	}
	ids, err := collect(t, New(s, func(o *Options) { o.MaxBackoff = time.Millisecond }).All())
	require.NoError(t, err)
	assert.Len(t, ids, 3)
	assert.Equal(t, 3, calls)
}

func TestCancelledContextEndsWithCtxErr(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	s := &stub{}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		cancel()
		return fleet(fakeIDs(0, 100))(in)
	}
	var got error
	n := 0
	for _, err := range New(s).All().PageSize(10).Iter(ctx) {
		if err != nil {
			got = err
			continue
		}
		n++
	}
	assert.Equal(t, 10, n)
	assert.Equal(t, context.Canceled, got)
	assert.Equal(t, 1, s.count("DescribeInstances"))
}

func TestRepeatedTokenStops(t *testing.T) {
	s := &stub{}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		return &ec2.DescribeInstancesOutput{NextToken: aws.String("same"),
			Reservations: []types.Reservation{{Instances: running(fakeIDs(0, 1))}}}, nil
	}
	_, err := collect(t, New(s).All())
	var pe *PaginationError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 2, s.count("DescribeInstances"))
}

func TestBuildersAreImmutable(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 10))}
	ins := New(s)
	ids := []string{fakeID(1), fakeID(2)}
	base := ins.Filter(InstanceIDs(ids...))
	ids[0] = fakeID(9) // the caller's slice changes after building
	values := []string{"running"}
	f := Where("instance-state-name", values...)
	values[0] = "stopped"

	parent := base.Filter(f)
	a := parent.Filter(Tag("a", "1"))
	b := parent.Filter(Tag("b", "2"))
	_ = parent.Limit(1).PageSize(5)

	assert.Equal(t, "Collection(InstanceIds=["+fakeID(1)+","+fakeID(2)+"] instance-state-name=running)", parent.String())
	assert.Equal(t, "Collection(InstanceIds=["+fakeID(1)+","+fakeID(2)+"] instance-state-name=running tag:a=1)", a.String())
	assert.Equal(t, "Collection(InstanceIds=["+fakeID(1)+","+fakeID(2)+"] instance-state-name=running tag:b=2)", b.String())

	_, err := collect(t, b)
	require.NoError(t, err)
	assert.Equal(t, []string{fakeID(1), fakeID(2)}, s.describes()[0].InstanceIds)
}

func TestFilterValuesNotSharedWithAppends(t *testing.T) {
	// Two children appended to a parent with spare capacity must not see
	// each other's filters.
	ins := New(&stub{})
	parent := ins.All()
	for range 5 {
		parent = parent.Filter(Tag("k", "v"))
	}
	a := parent.Filter(Tag("a", "1"))
	b := parent.Filter(Tag("b", "2"))
	assert.True(t, strings.HasSuffix(a.String(), "tag:a=1)"))
	assert.True(t, strings.HasSuffix(b.String(), "tag:b=2)"))
}

func TestValidationBeforeAnyRequest(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 10))}
	ins := New(s)
	cases := []struct {
		c    Collection
		text string
	}{
		{ins.All().PageSize(4), `ec2instances: PageSize "4": must be between 5 and 1000`},
		{ins.All().PageSize(1001), `ec2instances: PageSize "1001": must be between 5 and 1000`},
		{ins.All().Limit(-1), `ec2instances: Limit "-1": must be zero or more`},
		{ins.All().Limit(-1).PageSize(4), `ec2instances: Limit "-1": must be zero or more`},
		{ins.InVPC("vpc-*"), `ec2instances: scope vpc-id "vpc-*": a scope is matched exactly and may not hold the wildcards * or ?; use Filter for patterns`},
		{ins.InSubnet(""), `ec2instances: scope subnet-id: must not be empty`},
		{ins.All().Filter(Filter{}), `ec2instances: filter: the zero Filter has no name; build filters with the package's constructors`},
		{Collection{}, `ec2instances: Collection: the zero Collection belongs to no manager; start from ec2instances.New(...).All() or .Filter(...)`},
		{New(nil).All(), `ec2instances: client: is nil: pass an *ec2.Client or another ec2instances.API`},
		{New(s, func(o *Options) { o.PageSize = 2000 }).All(), `ec2instances: Options.PageSize "2000": must be between 5 and 1000`},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			require.EqualError(t, tc.c.Err(), tc.text)
			assert.ErrorIs(t, tc.c.Err(), ErrInvalidInput)
			_, err := collect(t, tc.c)
			assert.EqualError(t, err, tc.text)
			_, err = tc.c.IDs(bg)
			assert.EqualError(t, err, tc.text)
			_, err = tc.c.List(bg)
			assert.EqualError(t, err, tc.text)
			for _, err := range tc.c.Pages(bg) {
				assert.EqualError(t, err, tc.text)
			}
			_, err = tc.c.Stop(bg)
			assert.EqualError(t, err, tc.text)
			assert.EqualError(t, tc.c.WaitUntilRunning(bg, time.Second), tc.text)
		})
	}
	assert.Equal(t, 0, s.total())
}

func TestScopedCollections(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 3))}
	ins := New(s)
	for _, c := range []Collection{ins.InVPC("vpc-1a2b"), ins.InSubnet("subnet-9"), ins.InPlacementGroup("pg")} {
		_, err := collect(t, c)
		require.NoError(t, err)
	}
	in := s.describes()
	require.Len(t, in, 3)
	assert.Equal(t, []types.Filter{{Name: aws.String("vpc-id"), Values: []string{"vpc-1a2b"}}}, in[0].Filters)
	assert.Equal(t, []types.Filter{{Name: aws.String("subnet-id"), Values: []string{"subnet-9"}}}, in[1].Filters)
	assert.Equal(t, []types.Filter{{Name: aws.String("placement-group-name"), Values: []string{"pg"}}}, in[2].Filters)
}

func TestIDsAndList(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 12))}
	c := New(s).All().PageSize(5)
	ids, err := c.IDs(bg)
	require.NoError(t, err)
	assert.Equal(t, fakeIDs(0, 12), ids)
	list, err := c.Limit(7).List(bg)
	require.NoError(t, err)
	require.Len(t, list, 7)
	assert.Equal(t, types.InstanceStateNameRunning, list[6].State.Name)
}

func TestManagerOptionsCopy(t *testing.T) {
	ins := New(&stub{}, func(o *Options) { o.Concurrency = 3 })
	o := ins.Options()
	assert.Equal(t, 3, o.Concurrency)
	assert.Equal(t, DefaultPageSize, o.PageSize)
	assert.False(t, o.SequentialListing)
	o.Concurrency = 99
	assert.Equal(t, 3, ins.Options().Concurrency)
	assert.True(t, errors.Is(New(&stub{}, func(o *Options) { o.Concurrency = -1 }).All().Err(), ErrInvalidInput))
}

func TestCollectionDryRun(t *testing.T) {
	s := &stub{describe: func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		if aws.ToBool(in.DryRun) {
			return nil, apiErr("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
		}
		return &ec2.DescribeInstancesOutput{}, nil
	}}
	c := New(s).Filter(Tag("env", "prod"))
	require.NoError(t, c.DryRun(bg))
	in := s.describes()[0]
	assert.True(t, aws.ToBool(in.DryRun))
	assert.Equal(t, "tag:env", aws.ToString(in.Filters[0].Name))
	assert.Nil(t, in.MaxResults)

	s.describe = func(*ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		return nil, apiErr("UnauthorizedOperation", "You are not authorized to perform this operation.")
	}
	assert.Equal(t, "UnauthorizedOperation", errorCode(c.DryRun(bg)))
	require.NoError(t, New(s).Filter(InstanceIDs()).DryRun(bg))
	assert.Equal(t, 2, s.count("DescribeInstances"))
}
