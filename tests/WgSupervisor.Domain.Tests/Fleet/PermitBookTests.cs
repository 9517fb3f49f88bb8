using WgSupervisor.Domain.Fleet;
using Xunit;
using static WgSupervisor.Domain.Tests.Support.TestTunnels;

namespace WgSupervisor.Domain.Tests.Fleet;

public sealed class PermitBookTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    // The same limit for both classes keeps these scenarios about one budget; the classes are tested on their own below.
    private static PermitBook Book(int maxConcurrent = 2, int? maxPerSite = null) =>
        new(new PermitLimits(maxConcurrent, maxPerSite, Lease, MaxConcurrentPeer: maxConcurrent));

    /// <param name="staleMinutesAgo">How long before T0 the tunnel went stale: larger is served first.</param>
    private static PermitRequest Request(string tunnel, string interfaceKey = "-/wg0", string? site = null, bool interfaceWide = false,
        double staleMinutesAgo = 0, double requestedSecondsAgo = 0) =>
        new(tunnel, interfaceKey, site, interfaceWide, T0.AddMinutes(-staleMinutesAgo), T0.AddSeconds(-requestedSecondsAgo));

    private static string[] Tunnels(IEnumerable<Permit> permits) => permits.Select(p => p.Request.Tunnel).ToArray();

    [Fact]
    public void The_default_limits_are_two_at_once_no_site_limit_and_a_five_minute_lease()
    {
        Assert.Equal(new PermitLimits(2, null, TimeSpan.FromMinutes(5)), PermitLimits.Default);
    }

    [Fact]
    public void Peer_repairs_have_their_own_limit_and_do_not_queue_behind_interface_wide_ones()
    {
        var book = new PermitBook(new PermitLimits(1, null, Lease, MaxConcurrentPeer: 3));
        book.Request(new PermitRequest("restart", "ns/wg9", null, InterfaceWide: true, T0, T0));
        book.Request(new PermitRequest("restart-2", "ns/wg8", null, InterfaceWide: true, T0, T0));
        for (var i = 1; i <= 4; i++) book.Request(new PermitRequest($"peer{i}", "ns/hub", null, InterfaceWide: false, T0.AddSeconds(i), T0.AddSeconds(i)));

        var granted = Tunnels(book.GrantWhatFits(T0.AddSeconds(5)));

        Assert.Equal(["peer1", "peer2", "peer3", "restart"], granted.Order());
        Assert.Empty(book.Violations());
    }

    [Fact]
    public void A_settling_request_waits_for_its_time_without_holding_back_the_others()
    {
        var book = Book();
        book.Request(new PermitRequest("settling", "ns/wg0", null, InterfaceWide: false, T0, T0, NotBefore: T0.AddSeconds(2)));
        book.Request(new PermitRequest("other", "ns/wg0", null, InterfaceWide: false, T0.AddSeconds(1), T0.AddSeconds(1)));

        Assert.Equal(["other"], Tunnels(book.GrantWhatFits(T0.AddSeconds(1))));
        Assert.Equal(["settling"], Tunnels(book.GrantWhatFits(T0.AddSeconds(2))));
    }

    [Fact]
    public void No_more_than_MaxConcurrent_permits_are_granted_and_the_longest_stale_go_first()
    {
        var book = Book(maxConcurrent: 2);
        book.Request(Request("a", "-/wg1", staleMinutesAgo: 1));
        book.Request(Request("b", "-/wg2", staleMinutesAgo: 3));
        book.Request(Request("c", "-/wg3", staleMinutesAgo: 2));

        var grants = book.GrantWhatFits(T0);

        Assert.Equal(["b", "c"], Tunnels(grants));
        Assert.True(book.IsWaiting("a"));
        Assert.Empty(book.GrantWhatFits(T0));
        Assert.Empty(book.Violations());
    }

    [Fact]
    public void A_granted_permit_carries_its_request_grant_time_lease_and_a_fresh_id()
    {
        var book = Book(maxConcurrent: 3);
        var request = Request("a");
        book.Request(request);
        book.Request(Request("b", "-/wg1"));

        var grants = book.GrantWhatFits(T0);

        var first = grants[0];
        Assert.Equal(request, first.Request);
        Assert.Equal(T0, first.GrantedAt);
        Assert.Equal(T0 + Lease, first.LeaseUntil);
        Assert.Equal(grants.Count, grants.Select(p => p.Id).Distinct().Count());
        Assert.True(book.IsHeld("a"));
        Assert.False(book.IsWaiting("a"));
    }

    [Fact]
    public void Ties_in_stale_time_are_broken_by_request_time_then_by_name()
    {
        var book = Book(maxConcurrent: 1);
        book.Request(Request("z", "-/wg1", staleMinutesAgo: 5, requestedSecondsAgo: 10));
        book.Request(Request("y", "-/wg2", staleMinutesAgo: 5, requestedSecondsAgo: 20));
        book.Request(Request("x", "-/wg3", staleMinutesAgo: 5, requestedSecondsAgo: 10));

        Assert.Equal(["y", "x", "z"], book.Waiting.Select(r => r.Tunnel));
        Assert.Equal(["y"], Tunnels(book.GrantWhatFits(T0)));
    }

    [Fact]
    public void An_interface_wide_permit_excludes_every_other_permit_on_its_interface_but_not_elsewhere()
    {
        var book = Book(maxConcurrent: 4);
        book.Request(Request("wide", "-/wg0", interfaceWide: true, staleMinutesAgo: 10));
        book.Request(Request("peer", "-/wg0", staleMinutesAgo: 5));
        book.Request(Request("second-wide", "-/wg0", interfaceWide: true, staleMinutesAgo: 4));
        book.Request(Request("elsewhere", "-/wg1", staleMinutesAgo: 1));

        Assert.Equal(["wide", "elsewhere"], Tunnels(book.GrantWhatFits(T0)));
        Assert.True(book.IsWaiting("peer"));
        Assert.True(book.IsWaiting("second-wide"));
    }

    [Fact]
    public void The_same_interface_name_in_another_namespace_is_another_interface()
    {
        var book = Book(maxConcurrent: 4);
        book.Request(Request("a", "-/wg0", interfaceWide: true, staleMinutesAgo: 2));
        book.Request(Request("b", "ns1/wg0", interfaceWide: true, staleMinutesAgo: 1));

        Assert.Equal(["a", "b"], Tunnels(book.GrantWhatFits(T0)));
    }

    [Fact]
    public void A_held_peer_permit_keeps_an_interface_wide_request_waiting()
    {
        var book = Book(maxConcurrent: 4);
        book.Request(Request("peer", "-/wg0"));
        book.GrantWhatFits(T0);

        book.Request(Request("wide", "-/wg0", interfaceWide: true, staleMinutesAgo: 60));

        Assert.Empty(book.GrantWhatFits(T0));
        book.Release("peer");
        Assert.Equal(["wide"], Tunnels(book.GrantWhatFits(T0)));
    }

    [Fact]
    public void Several_peer_permits_may_share_an_interface()
    {
        var book = Book(maxConcurrent: 3);
        book.Request(Request("a", "-/wg0"));
        book.Request(Request("b", "-/wg0"));
        book.Request(Request("c", "-/wg0"));

        Assert.Equal(3, book.GrantWhatFits(T0).Count);
        Assert.Empty(book.Violations());
    }

    [Fact]
    public void No_more_than_MaxPerSite_permits_go_to_one_site()
    {
        var book = Book(maxConcurrent: 4, maxPerSite: 1);
        book.Request(Request("a1", "-/wg1", site: "a", staleMinutesAgo: 3));
        book.Request(Request("a2", "-/wg2", site: "a", staleMinutesAgo: 2));
        book.Request(Request("b1", "-/wg3", site: "b", staleMinutesAgo: 1));
        book.Request(Request("nosite", "-/wg4"));

        Assert.Equal(["a1", "b1", "nosite"], Tunnels(book.GrantWhatFits(T0)));
        Assert.True(book.IsWaiting("a2"));

        book.Release("a1");
        Assert.Equal(["a2"], Tunnels(book.GrantWhatFits(T0)));
    }

    [Fact]
    public void Tunnels_without_a_site_are_not_limited_per_site()
    {
        var book = Book(maxConcurrent: 3, maxPerSite: 1);
        book.Request(Request("x", "-/wg1"));
        book.Request(Request("y", "-/wg2"));
        book.Request(Request("z", "-/wg3"));

        Assert.Equal(3, book.GrantWhatFits(T0).Count);
    }

    [Fact]
    public void A_request_blocked_by_its_interface_holds_back_later_requests_on_that_interface_but_not_on_others()
    {
        var book = Book(maxConcurrent: 4);
        book.Request(Request("holder", "-/wg0"));
        book.GrantWhatFits(T0);
        book.Request(Request("wide", "-/wg0", interfaceWide: true, staleMinutesAgo: 10)); // blocked by holder
        book.Request(Request("peer-behind", "-/wg0", staleMinutesAgo: 5)); // would fit, but waits behind "wide"
        book.Request(Request("other", "-/wg1", staleMinutesAgo: 1));

        Assert.Equal(["other"], Tunnels(book.GrantWhatFits(T0)));
        Assert.True(book.IsWaiting("peer-behind"));

        book.Release("holder");
        Assert.Equal(["wide"], Tunnels(book.GrantWhatFits(T0)));
        book.Release("wide");
        Assert.Equal(["peer-behind"], Tunnels(book.GrantWhatFits(T0)));
    }

    [Fact]
    public void A_request_blocked_by_its_site_does_not_hold_back_other_sites()
    {
        var book = Book(maxConcurrent: 4, maxPerSite: 1);
        book.Request(Request("a-holder", "-/wg1", site: "a"));
        book.GrantWhatFits(T0);
        book.Request(Request("a-waiting", "-/wg2", site: "a", staleMinutesAgo: 10));
        book.Request(Request("b", "-/wg3", site: "b", staleMinutesAgo: 5));

        Assert.Equal(["b"], Tunnels(book.GrantWhatFits(T0)));
        Assert.True(book.IsWaiting("a-waiting"));
    }

    [Fact]
    public void A_request_blocked_by_its_interface_does_not_hold_back_its_site_on_other_interfaces()
    {
        var book = Book(maxConcurrent: 4, maxPerSite: 2);
        book.Request(Request("wide-holder", "-/wg0", site: "b", interfaceWide: true));
        book.GrantWhatFits(T0);
        book.Request(Request("a-on-wg0", "-/wg0", site: "a", staleMinutesAgo: 10));
        book.Request(Request("a-on-wg1", "-/wg1", site: "a", staleMinutesAgo: 5));

        Assert.Equal(["a-on-wg1"], Tunnels(book.GrantWhatFits(T0)));
    }

    [Fact]
    public void Release_by_tunnel_ends_its_permit_and_returns_it()
    {
        var book = Book();
        book.Request(Request("a"));
        var granted = Assert.Single(book.GrantWhatFits(T0));

        Assert.Equal(granted, book.Release("a"));
        Assert.False(book.IsHeld("a"));
        Assert.Empty(book.Granted);
        Assert.Null(book.Release("a"));
    }

    [Fact]
    public void Release_by_tunnel_withdraws_a_waiting_request()
    {
        var book = Book(maxConcurrent: 1);
        book.Request(Request("a"));

        Assert.Null(book.Release("a"));
        Assert.False(book.IsWaiting("a"));
        Assert.Empty(book.GrantWhatFits(T0));
    }

    [Fact]
    public void Release_by_permit_id_ends_that_permit()
    {
        var book = Book();
        book.Request(Request("a"));
        var permit = Assert.Single(book.GrantWhatFits(T0));

        Assert.True(book.Release("a", permit.Id));
        Assert.False(book.IsHeld("a"));
        Assert.False(book.Release("a", permit.Id));
    }

    [Fact]
    public void A_late_release_of_an_older_permit_does_not_end_a_newer_one()
    {
        var book = Book();
        book.Request(Request("a"));
        var old = Assert.Single(book.GrantWhatFits(T0));
        book.Expire(old.LeaseUntil);
        book.Request(Request("a"));
        var newer = Assert.Single(book.GrantWhatFits(old.LeaseUntil));
        Assert.NotEqual(old.Id, newer.Id);

        Assert.False(book.Release("a", old.Id));

        Assert.True(book.IsHeld("a"));
        Assert.Equal(newer, Assert.Single(book.Granted));
    }

    [Fact]
    public void Release_by_permit_id_of_another_tunnel_releases_nothing()
    {
        var book = Book();
        book.Request(Request("a"));
        book.Request(Request("b", "-/wg1"));
        var grants = book.GrantWhatFits(T0);
        var ofA = grants.Single(p => p.Request.Tunnel == "a");

        Assert.False(book.Release("b", ofA.Id));
        Assert.Equal(2, book.Granted.Count);
    }

    [Fact]
    public void Expire_ends_exactly_the_permits_whose_lease_ran_out()
    {
        var book = Book(maxConcurrent: 3);
        book.Request(Request("early"));
        book.GrantWhatFits(T0);
        book.Request(Request("late", "-/wg1"));
        book.GrantWhatFits(T0.AddMinutes(2));

        Assert.Empty(book.Expire(T0 + Lease - TimeSpan.FromTicks(1)));
        var expired = book.Expire(T0 + Lease);

        Assert.Equal(["early"], Tunnels(expired));
        Assert.False(book.IsHeld("early"));
        Assert.True(book.IsHeld("late"));
        Assert.Equal(["late"], Tunnels(book.Expire(T0.AddHours(1))));
    }

    [Fact]
    public void An_expired_permit_frees_its_place_for_the_next_request()
    {
        var book = Book(maxConcurrent: 1);
        book.Request(Request("lost"));
        book.GrantWhatFits(T0);
        book.Request(Request("next", "-/wg1"));
        Assert.Empty(book.GrantWhatFits(T0.AddMinutes(1)));

        book.Expire(T0 + Lease);

        Assert.Equal(["next"], Tunnels(book.GrantWhatFits(T0 + Lease)));
    }

    [Fact]
    public void A_request_while_holding_a_permit_is_ignored()
    {
        var book = Book();
        book.Request(Request("a"));
        var permit = Assert.Single(book.GrantWhatFits(T0));

        book.Request(Request("a", staleMinutesAgo: 30));

        Assert.False(book.IsWaiting("a"));
        Assert.Empty(book.Waiting);
        Assert.Equal(permit, Assert.Single(book.Granted));
        Assert.Empty(book.Violations());
    }

    [Fact]
    public void A_repeated_request_replaces_the_queued_one()
    {
        var book = Book(maxConcurrent: 1);
        book.Request(Request("a", "-/wg0", staleMinutesAgo: 1));
        book.Request(Request("b", "-/wg1", staleMinutesAgo: 5));
        var replacement = Request("a", "-/wg2", staleMinutesAgo: 10);

        book.Request(replacement);

        Assert.Equal(["a", "b"], book.Waiting.Select(r => r.Tunnel));
        Assert.Equal(replacement, book.Waiting.First());
        Assert.Equal(replacement, Assert.Single(book.GrantWhatFits(T0)).Request);
    }

    [Fact]
    public void Violations_is_empty_for_a_fresh_book()
    {
        Assert.Empty(Book().Violations());
    }

    // ---------------------------------------------------------------------------------------------------
    // Property: random operations never break a limit, the book matches a simple model, nobody starves.
    // ---------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(20261125)]
    public void Random_operations_never_break_a_limit_match_a_model_and_starve_nobody(int seed)
    {
        new PermitBookRun(seed).Run(steps: 10_000);
    }

    [Fact]
    public void Random_operations_hold_for_every_limit_combination()
    {
        var seed = 100;
        foreach (var maxConcurrent in new[] { 1, 2, 3, 4 })
            foreach (var maxPerSite in new int?[] { null, 1, 2 })
                new PermitBookRun(seed++, new PermitLimits(maxConcurrent, maxPerSite, Lease, MaxConcurrentPeer: maxConcurrent + 1)).Run(steps: 2_000);
    }

    /// <summary>
    /// The test's own safety oracle, independent of <see cref="PermitBook.Violations"/>: the limits recomputed
    /// from a set of permits held at one moment (in the property runs, the permits the test saw granted and
    /// not yet released or expired).
    /// </summary>
    private static List<string> LimitBreaks(IEnumerable<Permit> heldNow, PermitLimits limits)
    {
        var held = heldNow.ToList();
        var breaks = new List<string>();
        var wide = held.Count(p => p.Request.InterfaceWide);
        if (wide > limits.MaxConcurrent) breaks.Add($"{wide} interface-wide permits held, at most {limits.MaxConcurrent} allowed");
        if (held.Count - wide > limits.MaxConcurrentPeer) breaks.Add($"{held.Count - wide} peer permits held, at most {limits.MaxConcurrentPeer} allowed");
        foreach (var tunnel in held.GroupBy(p => p.Request.Tunnel).Where(g => g.Count() > 1))
            breaks.Add($"{tunnel.Key} holds {tunnel.Count()} permits");
        foreach (var onInterface in held.GroupBy(p => p.Request.InterfaceKey))
        {
            var interfaceWide = onInterface.Count(p => p.Request.InterfaceWide);
            if (interfaceWide > 1) breaks.Add($"{interfaceWide} interface-wide repairs at once on {onInterface.Key}");
            if (interfaceWide > 0 && onInterface.Count() > interfaceWide)
                breaks.Add($"a peer repair beside an interface-wide repair on {onInterface.Key}");
        }
        if (limits.MaxPerSite is { } perSite)
            foreach (var site in held.Where(p => p.Request.Site is not null).GroupBy(p => p.Request.Site).Where(g => g.Count() > perSite))
                breaks.Add($"{site.Count()} permits for site {site.Key}, at most {perSite} allowed");
        return breaks;
    }

    [Fact]
    public void The_test_oracle_finds_every_kind_of_broken_limit()
    {
        var limits = new PermitLimits(2, 1, Lease, MaxConcurrentPeer: 2);
        Permit Held(long id, string tunnel, string interfaceKey, string? site, bool interfaceWide) =>
            new(id, Request(tunnel, interfaceKey, site, interfaceWide), T0, T0 + Lease);

        Assert.Empty(LimitBreaks([Held(1, "a", "-/wg0", "s1", false), Held(2, "b", "-/wg0", "s2", false)], limits));
        Assert.Contains("3 peer permits held, at most 2 allowed",
            LimitBreaks([Held(1, "a", "-/wg0", null, false), Held(2, "b", "-/wg1", null, false), Held(3, "c", "-/wg2", null, false)], limits));
        Assert.Contains("3 interface-wide permits held, at most 2 allowed",
            LimitBreaks([Held(1, "a", "-/wg0", null, true), Held(2, "b", "-/wg1", null, true), Held(3, "c", "-/wg2", null, true)], limits));
        Assert.Contains("a holds 2 permits", LimitBreaks([Held(1, "a", "-/wg0", null, false), Held(2, "a", "-/wg1", null, false)], limits));
        Assert.Contains("2 interface-wide repairs at once on -/wg0",
            LimitBreaks([Held(1, "a", "-/wg0", null, true), Held(2, "b", "-/wg0", null, true)], limits));
        Assert.Contains("a peer repair beside an interface-wide repair on -/wg0",
            LimitBreaks([Held(1, "a", "-/wg0", null, true), Held(2, "b", "-/wg0", null, false)], limits));
        Assert.Contains("2 permits for site s1, at most 1 allowed",
            LimitBreaks([Held(1, "a", "-/wg0", "s1", false), Held(2, "b", "-/wg1", "s1", false)], limits));
        // Other namespaces and site-less tunnels are not limited together.
        Assert.Empty(LimitBreaks([Held(1, "a", "-/wg0", null, true), Held(2, "b", "ns1/wg0", null, true)], limits));
        Assert.Empty(LimitBreaks([Held(1, "a", "-/wg0", null, false), Held(2, "b", "-/wg1", null, false)], limits));
    }

    private sealed class PermitBookRun
    {
        private const int TunnelCount = 20;
        private readonly int _seed;
        private readonly Random _random;
        private readonly PermitBook _book;
        private readonly PermitLimits _limits;
        private readonly string[] _tunnels = Enumerable.Range(0, TunnelCount).Select(i => $"t{i:00}").ToArray();

        // The model: what should be waiting and held, and every permit id ever issued per tunnel.
        private readonly Dictionary<string, PermitRequest> _waiting = new();
        private readonly Dictionary<string, Permit> _held = new();
        private readonly Dictionary<string, List<long>> _issued = new();
        private DateTimeOffset _now = T0;
        private long _lastId;
        private int _step;
        private string _operation = "";
        private int _grants, _staleReleases, _expiries, _drained;

        /// <param name="limits">Null: drawn from the seed (MaxConcurrent 1-4, MaxPerSite null/1/2).</param>
        public PermitBookRun(int seed, PermitLimits? limits = null)
        {
            _seed = seed;
            _random = new Random(seed);
            int?[] siteLimits = [null, 1, 2];
            _limits = limits ?? new PermitLimits(_random.Next(1, 5), siteLimits[_random.Next(3)], TimeSpan.FromMinutes(5), _random.Next(1, 5));
            _book = new PermitBook(_limits);
            foreach (var tunnel in _tunnels) _issued[tunnel] = [];
        }

        private string Context => $"seed {_seed}, limits {_limits}, step {_step} ({_operation})";

        private static string InterfaceOf(int index) => $"{(index % 10 == 9 ? "ns1" : "-")}/wg{index % 5}";
        private static string? SiteOf(int index) => index % 7 == 6 ? null : $"site{index % 4}";

        public void Run(int steps)
        {
            for (_step = 1; _step <= steps; _step++)
            {
                _now += TimeSpan.FromSeconds(_random.Next(0, 15));
                var roll = _random.Next(100);
                if (roll < 35) DoRequest();
                else if (roll < 60) DoGrant();
                else if (roll < 72) DoReleaseByTunnel();
                else if (roll < 90) DoReleaseById();
                else DoExpire();
                Check();
            }
            CheckEveryoneGetsAPermit();
            // The run must have exercised what it claims to check.
            Assert.True(_grants > 0 && _staleReleases > 0 && _expiries > 0 && _drained > 0,
                $"seed {_seed}: a vacuous run ({_grants} grants, {_staleReleases} stale releases, {_expiries} expiries, {_drained} drained)");
        }

        private void DoRequest()
        {
            var index = _random.Next(TunnelCount);
            var tunnel = _tunnels[index];
            var request = new PermitRequest(tunnel, InterfaceOf(index), SiteOf(index), InterfaceWide: _random.Next(3) == 0,
                StaleSince: _now - TimeSpan.FromSeconds(_random.Next(0, 900)), RequestedAt: _now);
            _operation = $"Request {request}";
            _book.Request(request);
            if (!_held.ContainsKey(tunnel)) _waiting[tunnel] = request;
        }

        private void DoGrant()
        {
            _operation = "GrantWhatFits";
            var grants = _book.GrantWhatFits(_now);
            foreach (var permit in grants)
            {
                var tunnel = permit.Request.Tunnel;
                Assert.True(_waiting.TryGetValue(tunnel, out var request), $"{Context}: granted {tunnel}, which was not waiting");
                Assert.Equal(request, permit.Request);
                Assert.True(permit.Id > _lastId, $"{Context}: permit id {permit.Id} is not new");
                Assert.Equal(_now, permit.GrantedAt);
                Assert.Equal(_now + _limits.Lease, permit.LeaseUntil);
                _lastId = permit.Id;
                _grants++;
                _waiting.Remove(tunnel);
                _held[tunnel] = permit;
                _issued[tunnel].Add(permit.Id);
            }
            CheckNoUnheldRequestWasPassedOver();
        }

        private void DoReleaseByTunnel()
        {
            var tunnel = _tunnels[_random.Next(TunnelCount)];
            _operation = $"Release({tunnel})";
            var released = _book.Release(tunnel);
            Assert.True(Equals(_held.GetValueOrDefault(tunnel), released), $"{Context}: released {released}");
            _held.Remove(tunnel);
            _waiting.Remove(tunnel);
        }

        private void DoReleaseById()
        {
            // Half the time a holder, so that stale ids meet newer permits.
            var tunnel = _held.Count > 0 && _random.Next(2) == 0
                ? _held.Keys.ElementAt(_random.Next(_held.Count))
                : _tunnels[_random.Next(TunnelCount)];
            var ids = _issued[tunnel];
            long id = _random.Next(4) switch
            {
                0 when ids.Count > 0 => ids[_random.Next(ids.Count)], // often stale
                1 => _random.Next(1, (int)_lastId + 2), // maybe another tunnel's
                _ => _held.TryGetValue(tunnel, out var current) ? current.Id : _lastId,
            };
            _operation = $"Release({tunnel}, {id})";
            var expected = _held.TryGetValue(tunnel, out var held) && held.Id == id;
            if (held is not null && held.Id != id && ids.Contains(id)) _staleReleases++;
            Assert.True(expected == _book.Release(tunnel, id), $"{Context}: release should have returned {expected}");
            if (expected) _held.Remove(tunnel);
        }

        private void DoExpire()
        {
            _now += TimeSpan.FromSeconds(_random.Next(0, 240));
            _operation = $"Expire({_now:HH:mm:ss})";
            var expired = _book.Expire(_now);
            var expected = _held.Values.Where(p => p.LeaseUntil <= _now).OrderBy(p => p.Id).ToList();
            Assert.Equal(expected, expired.OrderBy(p => p.Id));
            foreach (var permit in expired) _held.Remove(permit.Request.Tunnel);
            _expiries += expired.Count;
        }

        private void Check()
        {
            // Safety is judged twice: by the test's own oracle on the permits it recorded, and by the book's self-check.
            var breaks = LimitBreaks(_held.Values, _limits);
            Assert.True(breaks.Count == 0, $"{Context}: {string.Join("; ", breaks)}");
            var violations = _book.Violations();
            Assert.True(violations.Count == 0, $"{Context}: {string.Join("; ", violations)}");
            Assert.True(_waiting.Keys.Order().SequenceEqual(_book.Waiting.Select(r => r.Tunnel).Order()),
                $"{Context}: waiting [{string.Join(",", _book.Waiting.Select(r => r.Tunnel))}], model [{string.Join(",", _waiting.Keys)}]");
            Assert.True(_held.Values.OrderBy(p => p.Id).SequenceEqual(_book.Granted.OrderBy(p => p.Id)),
                $"{Context}: granted [{string.Join(",", _book.Granted.Select(p => p.Request.Tunnel))}], model [{string.Join(",", _held.Keys)}]");
            foreach (var tunnel in _tunnels)
            {
                Assert.Equal(_held.ContainsKey(tunnel), _book.IsHeld(tunnel));
                Assert.Equal(_waiting.ContainsKey(tunnel), _book.IsWaiting(tunnel));
            }
        }

        /// <summary>
        /// After a grant round, a request that nobody ahead of it could hold back (no older waiting request on
        /// its interface or site) must be blocked by the permits now held; otherwise the round passed it over.
        /// </summary>
        private void CheckNoUnheldRequestWasPassedOver()
        {
            var queue = _book.Waiting.ToList();
            for (var i = 0; i < queue.Count; i++)
            {
                var request = queue[i];
                var ahead = queue.Take(i);
                var couldBeHeldBack = ahead.Any(r => r.InterfaceKey == request.InterfaceKey || (request.Site is not null && r.Site == request.Site));
                if (couldBeHeldBack) continue;
                Assert.True(BlockedByHeldPermits(request), $"{Context}: {request.Tunnel} fits but was not granted");
            }
        }

        private bool BlockedByHeldPermits(PermitRequest request)
        {
            var held = _book.Granted.ToList();
            var sameClass = held.Count(p => p.Request.InterfaceWide == request.InterfaceWide);
            if (sameClass >= (request.InterfaceWide ? _limits.MaxConcurrent : _limits.MaxConcurrentPeer)) return true;
            var onInterface = held.Where(p => p.Request.InterfaceKey == request.InterfaceKey).ToList();
            if (request.InterfaceWide ? onInterface.Count > 0 : onInterface.Any(p => p.Request.InterfaceWide)) return true;
            return request.Site is not null && _limits.MaxPerSite is { } max && held.Count(p => p.Request.Site == request.Site) >= max;
        }

        /// <summary>Liveness: once every holder is done, each waiting tunnel gets a permit, oldest first, in bounded rounds.</summary>
        private void CheckEveryoneGetsAPermit()
        {
            _operation = "drain";
            foreach (var permit in _book.Granted.ToList()) _book.Release(permit.Request.Tunnel);
            var waiting = _book.Waiting.Select(r => r.Tunnel).ToHashSet();
            _drained = waiting.Count;
            var served = new HashSet<string>();
            var rounds = 0;
            while (_book.Waiting.Any())
            {
                rounds++;
                Assert.True(rounds <= waiting.Count, $"{Context}: the queue did not drain in {waiting.Count} rounds");
                var head = _book.Waiting.First().Tunnel;
                var grants = _book.GrantWhatFits(_now);
                Assert.Contains(head, Tunnels(grants));
                // Nothing else is held while draining: this round's grants are everything held.
                var breaks = LimitBreaks(grants, _limits);
                Assert.True(breaks.Count == 0, $"{Context}: {string.Join("; ", breaks)}");
                Assert.True(_book.Violations().Count == 0, $"{Context}: {string.Join("; ", _book.Violations())}");
                foreach (var permit in grants)
                {
                    served.Add(permit.Request.Tunnel);
                    Assert.True(_book.Release(permit.Request.Tunnel, permit.Id), $"{Context}: could not release {permit}");
                }
                _now += TimeSpan.FromSeconds(30);
            }
            Assert.True(waiting.SetEquals(served), $"{Context}: waiting [{string.Join(",", waiting)}], served [{string.Join(",", served)}]");
            Assert.Empty(_book.Granted);
        }
    }
}
