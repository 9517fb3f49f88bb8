using Akka.Hosting;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Serialization;
using WgSupervisor.Domain.Ports;

namespace WgSupervisor.Actors.Hosting;

/// <summary>The wiring of this project's actors into an Akka.Hosting actor system.</summary>
public static class FleetHostingExtensions
{
    /// <summary>Registers the event serializer and starts the fleet (with its tunnels and poller) as "fleet".</summary>
    public static AkkaConfigurationBuilder AddFleetActor(this AkkaConfigurationBuilder builder, FleetSettings settings, IWireGuard wireGuard,
        IProber? prober = null) =>
        builder
            .WithCustomSerializer("wgsupervisor-events", TunnelEventSerializer.BoundTypes, system => new TunnelEventSerializer(system))
            .WithActors((system, registry) =>
            {
                var fleet = system.ActorOf(FleetActor.Props(settings, wireGuard, prober: prober), "fleet");
                registry.Register<FleetActor>(fleet);
            });
}
