using Akka.Configuration;

namespace WgSupervisor.Actors.Specs.Support;

/// <summary>
/// The actor system every spec runs on: virtual time (TestScheduler), the in-memory journal and snapshot
/// store, and the event serializer bound as the host binds it.
/// </summary>
public static class SpecConfig
{
    public static readonly Config Config = ConfigurationFactory.ParseString("""
        akka {
          loglevel = WARNING
          stdout-loglevel = WARNING
          scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
          actor {
            # Messages carry TaskCompletionSources of the fake WireGuard; serialization is covered by its own specs.
            serialize-messages = off
            serializers {
              wgsupervisor-events = "WgSupervisor.Actors.Serialization.TunnelEventSerializer, WgSupervisor.Actors"
            }
            serialization-bindings {
              "WgSupervisor.Domain.Tunnels.ITunnelEvent, WgSupervisor.Domain" = wgsupervisor-events
              "WgSupervisor.Domain.Tunnels.TunnelState, WgSupervisor.Domain" = wgsupervisor-events
            }
          }
          persistence {
            journal.plugin = "akka.persistence.journal.inmem"
            snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
          }
        }
        """);
}
