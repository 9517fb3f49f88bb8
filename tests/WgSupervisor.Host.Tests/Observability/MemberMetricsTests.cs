using WgSupervisor.Actors.Clustering;
using WgSupervisor.Host.Observability;
using Xunit;

namespace WgSupervisor.Domain.Tests.Observability;

/// <summary>wgsupervisor_cluster_member_status{member,status}, behind the unreachable-member alert.</summary>
public sealed class MemberMetricsTests
{
    private static NodeView Member(string name, NodeStatus status) => new(name, $"akka.ssl.tcp://wgsupervisor@{name}:4053", status, [], 2, null);

    private static double Value(string member, string status) => MemberMetrics.Status.WithLabels(member, status).Value;

    [Fact]
    public void Each_member_has_1_for_its_status_and_0_for_the_others_and_a_member_no_longer_listed_loses_its_series()
    {
        var metrics = new MemberMetrics();

        metrics.Update([Member("mm-a", NodeStatus.Up), Member("mm-b", NodeStatus.Unreachable)]);

        Assert.Equal(1, Value("mm-a", "up"));
        Assert.Equal(0, Value("mm-a", "unreachable"));
        Assert.Equal(1, Value("mm-b", "unreachable"));
        Assert.Equal(0, Value("mm-b", "up"));

        metrics.Update([Member("mm-a", NodeStatus.Up)]);

        Assert.DoesNotContain(MemberMetrics.Status.GetAllLabelValues(), labels => labels[0] == "mm-b");
        Assert.Contains(MemberMetrics.Status.GetAllLabelValues(), labels => labels[0] == "mm-a" && labels[1] == "up");
    }
}
