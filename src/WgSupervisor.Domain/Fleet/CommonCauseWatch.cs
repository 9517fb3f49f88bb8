using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Domain.Fleet;

/// <summary>
/// Which tunnels of a fleet share a cause: tunnels that leave by one uplink, run on this node, or reach one site, and
/// went stale together (see <see cref="CommonCausePolicy"/>). Told every tunnel's episode start, it answers which
/// tunnels' shared cause changed, so that the fleet tells only those. Pure and single-threaded: the fleet owns it.
/// </summary>
public sealed class CommonCauseWatch(CommonCausePolicy policy, string node)
{
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _groups = new(StringComparer.Ordinal);

    private sealed class Member(IReadOnlyList<string> groups)
    {
        public IReadOnlyList<string> Groups { get; } = groups;
        public DateTimeOffset? EpisodeStartedAt { get; set; }
        public SharedCause? Cause { get; set; }
    }

    public CommonCausePolicy Policy => policy;

    /// <summary>The groups a tunnel belongs to, most specific first: its uplink, its site, the node.</summary>
    public IReadOnlyList<string> GroupsOf(TunnelSettings tunnel)
    {
        var groups = new List<string>(3);
        if (tunnel.Uplink is { } uplink) groups.Add($"uplink {uplink}");
        if (tunnel.Site is { } site) groups.Add($"site {site}");
        groups.Add($"node {node}");
        return groups;
    }

    public IReadOnlyList<(string Tunnel, SharedCause? Cause)> Enlist(TunnelSettings tunnel)
    {
        var changes = Retire(tunnel.Name);
        var member = new Member(GroupsOf(tunnel));
        _members[tunnel.Name] = member;
        foreach (var group in member.Groups)
        {
            if (!_groups.TryGetValue(group, out var names)) _groups[group] = names = new HashSet<string>(StringComparer.Ordinal);
            names.Add(tunnel.Name);
        }
        return [.. changes, .. Reevaluate(member.Groups)];
    }

    public IReadOnlyList<(string Tunnel, SharedCause? Cause)> Retire(string tunnel)
    {
        if (!_members.Remove(tunnel, out var member)) return [];
        foreach (var group in member.Groups)
            if (_groups.TryGetValue(group, out var names) && names.Remove(tunnel) && names.Count == 0) _groups.Remove(group);
        return Reevaluate(member.Groups);
    }

    /// <summary>A tunnel's episode began or ended (null: healthy, paused, or not yet judged).</summary>
    /// <returns>The tunnels whose shared cause changed, with the new one (null: none now).</returns>
    public IReadOnlyList<(string Tunnel, SharedCause? Cause)> Observe(string tunnel, DateTimeOffset? episodeStartedAt)
    {
        if (!policy.Enabled || !_members.TryGetValue(tunnel, out var member) || member.EpisodeStartedAt == episodeStartedAt) return [];
        member.EpisodeStartedAt = episodeStartedAt;
        return Reevaluate(member.Groups);
    }

    public SharedCause? CauseOf(string tunnel) => _members.GetValueOrDefault(tunnel)?.Cause;

    /// <summary>Whether the tunnel is in a group big enough for a common cause to show.</summary>
    public bool CouldShareACause(string tunnel) =>
        policy.Enabled && _members.TryGetValue(tunnel, out var member) && member.Groups.Any(g => _groups[g].Count >= policy.MinTunnels);

    private IReadOnlyList<(string Tunnel, SharedCause? Cause)> Reevaluate(IReadOnlyList<string> groups)
    {
        var affected = groups.Where(_groups.ContainsKey).SelectMany(g => _groups[g]).ToHashSet(StringComparer.Ordinal);
        var shared = new Dictionary<string, SharedCause?>(StringComparer.Ordinal);
        var changes = new List<(string, SharedCause?)>();
        foreach (var name in affected.Order(StringComparer.Ordinal))
        {
            var member = _members[name];
            SharedCause? cause = null;
            if (member.EpisodeStartedAt is not null)
                foreach (var group in member.Groups)
                {
                    if (!shared.TryGetValue(group, out var found)) shared[group] = found = SharedBy(group);
                    if (found is not null)
                    {
                        cause = found;
                        break;
                    }
                }
            if (cause == member.Cause) continue;
            member.Cause = cause;
            changes.Add((name, cause));
        }
        return changes;
    }

    /// <summary>The largest set of the group's stale tunnels whose episodes began within one window, if it is big enough.</summary>
    private SharedCause? SharedBy(string group)
    {
        var names = _groups[group];
        var starts = names.Select(n => _members[n].EpisodeStartedAt).OfType<DateTimeOffset>().Order().ToList();
        var together = 0;
        for (int first = 0, last = 0; last < starts.Count; last++)
        {
            while (starts[last] - starts[first] > policy.Window) first++;
            together = Math.Max(together, last - first + 1);
        }
        return together >= policy.MinTunnels && together >= policy.Fraction * names.Count ? new SharedCause(group, together, names.Count) : null;
    }
}
