namespace WgSupervisor.Domain.Fleet;

/// <summary>
/// A request for a repair permit. <paramref name="InterfaceWide"/>: the repair disturbs every peer of the
/// interface (restart), so it excludes any other repair on that interface. <paramref name="RequestId"/> is
/// the requester's own number, echoed in the grant, so that a grant meant for a withdrawn request is told apart.
/// <paramref name="NotBefore"/>: not granted before then (the fleet lets a possible common cause show first).
/// <paramref name="UnderlayAnswered"/>: the site's address answered pings outside the tunnel while it was diagnosed, so
/// there is no common cause to wait for.
/// </summary>
public sealed record PermitRequest(string Tunnel, string InterfaceKey, string? Site, bool InterfaceWide, DateTimeOffset StaleSince,
    DateTimeOffset RequestedAt, long RequestId = 0, DateTimeOffset? NotBefore = null, bool UnderlayAnswered = false);

public sealed record Permit(long Id, PermitRequest Request, DateTimeOffset GrantedAt, DateTimeOffset LeaseUntil);

/// <param name="MaxConcurrent">Interface-wide repairs (restarts, commands) at once on the node.</param>
/// <param name="MaxConcurrentPeer">Repairs that touch one peer only (re-resolve, reset) at once on the node: cheap and
/// harmless to the other peers, so they are not queued behind the interface-wide ones.</param>
public sealed record PermitLimits(int MaxConcurrent, int? MaxPerSite, TimeSpan Lease, int MaxConcurrentPeer = PermitLimits.DefaultMaxConcurrentPeer)
{
    public const int DefaultMaxConcurrentPeer = 8;

    public static PermitLimits Default => new(2, null, TimeSpan.FromMinutes(5));
}

/// <summary>
/// The fleet's book of repair permits: at most N interface-wide and P peer-level repairs at once on the node, one interface-wide repair per
/// interface (and no peer repair beside it), at most M per site. Waiting requests are served longest-stale
/// first; a request blocked by its interface or site holds back the requests behind it on that interface or
/// site, so nothing starves. A permit ends when released, when its holder is gone, or when its lease runs out.
/// Pure and single-threaded: the fleet actor owns it.
/// </summary>
public sealed class PermitBook(PermitLimits limits)
{
    private readonly Dictionary<string, Permit> _granted = new();
    private readonly Dictionary<string, PermitRequest> _waiting = new();
    private long _nextId = 1;

    public PermitLimits Limits { get; private set; } = limits;
    public IReadOnlyCollection<Permit> Granted => _granted.Values;
    public IEnumerable<PermitRequest> Waiting => _waiting.Values.OrderBy(r => r.StaleSince).ThenBy(r => r.RequestedAt).ThenBy(r => r.Tunnel, StringComparer.Ordinal);

    public bool IsHeld(string tunnel) => _granted.ContainsKey(tunnel);
    public bool IsWaiting(string tunnel) => _waiting.ContainsKey(tunnel);

    /// <summary>Queues a request. A tunnel holds at most one request or permit: a repeat replaces the queued one.</summary>
    public void Request(PermitRequest request)
    {
        if (_granted.ContainsKey(request.Tunnel)) return;
        _waiting[request.Tunnel] = request;
    }

    /// <summary>Forgets everything the tunnel holds or waits for (done, withdrew, died, restarted).</summary>
    /// <returns>The permit it held, if any.</returns>
    public Permit? Release(string tunnel)
    {
        _waiting.Remove(tunnel);
        return _granted.Remove(tunnel, out var permit) ? permit : null;
    }

    /// <summary>Releases only the given permit: a late release of an older permit must not end a newer one.</summary>
    public bool Release(string tunnel, long permitId)
    {
        if (!_granted.TryGetValue(tunnel, out var permit) || permit.Id != permitId) return false;
        _granted.Remove(tunnel);
        return true;
    }

    /// <summary>Ends every permit whose lease ran out; their holders are presumed lost.</summary>
    public IReadOnlyList<Permit> Expire(DateTimeOffset now)
    {
        var expired = _granted.Values.Where(p => p.LeaseUntil <= now).ToList();
        foreach (var permit in expired) _granted.Remove(permit.Request.Tunnel);
        return expired;
    }

    /// <summary>Grants, in fair order, every waiting request that fits the limits now.</summary>
    public IReadOnlyList<Permit> GrantWhatFits(DateTimeOffset now)
    {
        var grants = new List<Permit>();
        var heldBackInterfaces = new HashSet<string>(StringComparer.Ordinal);
        var heldBackSites = new HashSet<string>(StringComparer.Ordinal);
        foreach (var request in Waiting.ToList())
        {
            if (request.NotBefore > now || !ClassAllows(request.InterfaceWide)) continue;
            var blockedByInterface = heldBackInterfaces.Contains(request.InterfaceKey) || !InterfaceAllows(request);
            var blockedBySite = request.Site is { } site && (heldBackSites.Contains(site) || !SiteAllows(site));
            // Hold the line: later requests on the interface or site that blocked this one wait behind it.
            if (blockedByInterface) heldBackInterfaces.Add(request.InterfaceKey);
            if (blockedBySite) heldBackSites.Add(request.Site!);
            if (blockedByInterface || blockedBySite) continue;
            var permit = new Permit(_nextId++, request, now, now + Limits.Lease);
            _waiting.Remove(request.Tunnel);
            _granted[request.Tunnel] = permit;
            grants.Add(permit);
        }
        return grants;
    }

    private bool InterfaceAllows(PermitRequest request)
    {
        var onInterface = _granted.Values.Where(p => p.Request.InterfaceKey == request.InterfaceKey).ToList();
        return request.InterfaceWide ? onInterface.Count == 0 : onInterface.All(p => !p.Request.InterfaceWide);
    }

    private bool ClassAllows(bool interfaceWide) =>
        _granted.Values.Count(p => p.Request.InterfaceWide == interfaceWide) < (interfaceWide ? Limits.MaxConcurrent : Limits.MaxConcurrentPeer);

    private bool SiteAllows(string site) =>
        Limits.MaxPerSite is not { } max || _granted.Values.Count(p => p.Request.Site == site) < max;

    /// <summary>Checks the invariants; returns what is violated (empty when all hold). For tests and assertions.</summary>
    public IReadOnlyList<string> Violations()
    {
        var problems = new List<string>();
        var wideCount = _granted.Values.Count(p => p.Request.InterfaceWide);
        if (wideCount > Limits.MaxConcurrent) problems.Add($"{wideCount} interface-wide permits granted, limit {Limits.MaxConcurrent}");
        if (_granted.Count - wideCount > Limits.MaxConcurrentPeer)
            problems.Add($"{_granted.Count - wideCount} peer-level permits granted, limit {Limits.MaxConcurrentPeer}");
        foreach (var group in _granted.Values.GroupBy(p => p.Request.InterfaceKey))
        {
            var wide = group.Count(p => p.Request.InterfaceWide);
            if (wide > 1 || (wide == 1 && group.Count() > 1))
                problems.Add($"interface {group.Key}: {wide} interface-wide and {group.Count() - wide} peer permits at once");
        }
        if (Limits.MaxPerSite is { } max)
            foreach (var site in _granted.Values.Where(p => p.Request.Site is not null).GroupBy(p => p.Request.Site!))
                if (site.Count() > max) problems.Add($"site {site.Key}: {site.Count()} permits, limit {max}");
        foreach (var tunnel in _waiting.Keys.Where(_granted.ContainsKey))
            problems.Add($"tunnel {tunnel} both waits and holds a permit");
        return problems;
    }
}
