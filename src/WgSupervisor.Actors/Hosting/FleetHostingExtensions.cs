using Akka.Hosting;
using WgSupervisor.Actors.Clustering;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Serialization;
using WgSupervisor.Domain.Ports;

namespace WgSupervisor.Actors.Hosting;

/// <summary>The wiring of this project's actors into an Akka.Hosting actor system.</summary>
public static class FleetHostingExtensions
{
    /// <summary>
    /// Registers the serializers and starts the fleet (with its tunnels and poller) as "fleet". In a cluster
    /// (<see cref="FleetSettings.Cluster"/> set) it also starts the cluster view and asks the restart-budget
    /// singleton, whose proxy must be registered as <see cref="RestartBudgetActor"/> before this runs.
    /// </summary>
    public static AkkaConfigurationBuilder AddFleetActor(this AkkaConfigurationBuilder builder, FleetSettings settings, IWireGuard wireGuard,
        IProber? prober = null) =>
        builder
            .WithCustomSerializer("wgsupervisor-events", TunnelEventSerializer.BoundTypes, system => new TunnelEventSerializer(system))
            .WithCustomSerializer("wgsupervisor-cluster", ClusterMessageSerializer.BoundTypes, system => new ClusterMessageSerializer(system))
            .WithActors((system, registry) =>
            {
                var budget = settings.Cluster is null ? null : registry.Get<RestartBudgetActor>();
                var fleet = system.ActorOf(FleetActor.Props(settings, wireGuard, prober: prober, budget: budget), "fleet");
                registry.Register<FleetActor>(fleet);
                if (settings.Cluster is not null)
                    registry.Register<ClusterViewActor>(system.ActorOf(ClusterViewActor.Props(settings.Node, fleet), "cluster-view"));
            });
}
