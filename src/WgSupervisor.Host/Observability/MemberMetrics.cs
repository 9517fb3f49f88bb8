using Prometheus;
using WgSupervisor.Actors.Clustering;

namespace WgSupervisor.Host.Observability;

/// <summary>
/// wgsupervisor_cluster_member_status{member,status}: 1 for the status each member has as this node sees it, 0 for the others
/// (outside a cluster: this node alone, up). Every node reports every member, so an alert takes the max by member.
/// </summary>
public sealed class MemberMetrics
{
    public static readonly Gauge Status = Metrics.CreateGauge("wgsupervisor_cluster_member_status",
        "1 for the status the member has as this node sees it (joining, up, unreachable, leaving, down), 0 for the others.", "member", "status");

    private static readonly NodeStatus[] Statuses = Enum.GetValues<NodeStatus>();
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);

    public static string StatusName(NodeStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Sets every member's series; a member no longer listed loses its series.</summary>
    public void Update(IReadOnlyList<NodeView> members)
    {
        foreach (var gone in _members.Except(members.Select(m => m.Name)).ToList())
        {
            foreach (var status in Statuses) Status.RemoveLabelled(gone, StatusName(status));
            _members.Remove(gone);
        }
        foreach (var member in members)
        {
            _members.Add(member.Name);
            foreach (var status in Statuses) Status.WithLabels(member.Name, StatusName(status)).Set(status == member.Status ? 1 : 0);
        }
    }
}
