using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using WgSupervisor.Actors.Clustering;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Tunnels;
using static WgSupervisor.Actors.Clustering.ClusterProtocol;

namespace WgSupervisor.Actors.Serialization;

/// <summary>
/// Serializes what crosses between nodes — tunnel publications, budget leases, operator commands and their
/// answers — as JSON under short manifests. These are never stored, so only nodes of one release must agree;
/// the journal's events have their own, versioned serializer.
/// </summary>
public sealed class ClusterMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 7302;

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private static readonly Dictionary<string, Type> TypesByManifest = new()
    {
        ["node-tunnels"] = typeof(NodeTunnels),
        ["tunnel-delta"] = typeof(TunnelDelta),
        ["acquire-lease"] = typeof(AcquireLease),
        ["lease-granted"] = typeof(LeaseGranted),
        ["lease-denied"] = typeof(LeaseDenied),
        ["release-lease"] = typeof(ReleaseLease),
        ["report-leases"] = typeof(ReportLeases),
        ["leases-held"] = typeof(LeasesHeld),
        ["restart"] = typeof(FleetProtocol.RestartTunnel),
        ["pause"] = typeof(FleetProtocol.PauseTunnel),
        ["resume"] = typeof(FleetProtocol.ResumeTunnel),
        ["release"] = typeof(FleetProtocol.ReleaseTunnel),
        ["get-samples"] = typeof(FleetProtocol.GetTunnelSamples),
        ["pause-site"] = typeof(FleetProtocol.PauseSite),
        ["resume-site"] = typeof(FleetProtocol.ResumeSite),
        ["site-sent"] = typeof(FleetProtocol.SiteCommandSent),
        ["site-not-found"] = typeof(FleetProtocol.SiteNotFound),
        ["move"] = typeof(MovableTunnelProtocol.MoveTunnel),
        ["take-over"] = typeof(MovableTunnelProtocol.TakeOverTunnel),
        ["not-found"] = typeof(FleetProtocol.TunnelNotFound),
        ["accepted"] = typeof(TunnelProtocol.CommandAccepted),
        ["rejected"] = typeof(TunnelProtocol.CommandRejected),
        ["samples"] = typeof(TunnelProtocol.Samples),
    };

    private static readonly Dictionary<Type, string> ManifestsByType = TypesByManifest.ToDictionary(p => p.Value, p => p.Key);

    public static readonly Type[] BoundTypes = [.. TypesByManifest.Values];

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        ManifestsByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType().Name} has no manifest in {nameof(ClusterMessageSerializer)}");

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);

    public override object FromBinary(byte[] bytes, string manifest) =>
        TypesByManifest.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, Options) ?? throw new SerializationException($"empty payload for {manifest}")
            : throw new SerializationException($"unknown manifest {manifest} for {nameof(ClusterMessageSerializer)}");
}
