using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace WgSupervisor.Host.Admin;

/// <summary>How an answer's body is encoded (Content-Encoding).</summary>
public enum ContentCoding
{
    Identity,
    Gzip,
    Brotli,
}

/// <summary>
/// One serialized fleet list: its JSON, each compressed form made once on first demand, and its entity tag.
/// </summary>
/// <param name="Version">The fleet's version of its list (null: a cluster's list, which has none).</param>
/// <param name="BuiltAt">The clock the ages in it (handshake age, backoff remaining) were computed at.</param>
public sealed class FleetListBody(long? version, byte[] json, int count, DateTimeOffset builtAt, string entityTag)
{
    private readonly Lazy<byte[]> _gzip = new(() => Compress(json, body => new GZipStream(body, CompressionLevel.Fastest)));
    private readonly Lazy<byte[]> _brotli = new(() => Compress(json, body => new BrotliStream(body, CompressionLevel.Fastest)));

    public long? Version => version;
    public int Count => count;
    public DateTimeOffset BuiltAt => builtAt;
    public string EntityTag => entityTag;

    public byte[] Encoded(ContentCoding coding) => coding switch
    {
        ContentCoding.Gzip => _gzip.Value,
        ContentCoding.Brotli => _brotli.Value,
        _ => json,
    };

    private static byte[] Compress(byte[] json, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream(json.Length / 8);
        using (var compressing = compressor(output)) compressing.Write(json);
        return output.ToArray();
    }
}

/// <summary>
/// The whole fleet list (GET /api/tunnels without a filter or a page), serialized once per change of the fleet rather than
/// once per request: each request asks the fleet only whether its list changed since the version kept here (a number, not a
/// list), and a thousand-tunnel answer is built, serialized and compressed again — in the background, one build at a time —
/// only when it did. Meanwhile the list kept is served if it is younger than <see cref="MaxLag"/>: an answer is never more
/// than that behind the fleet. The ages in it (handshake age, backoff remaining) drift with the clock: an unchanged list is
/// built again after <see cref="MaxAge"/>. A cluster's list has no version: it is kept for <see cref="MaxLag"/>.
/// </summary>
/// <param name="json">The admin API's JSON options (camelCase), so that the body is what Results.Ok would have written.</param>
public sealed class FleetListCache(ITunnelDirectory directory, TimeProvider clock, JsonSerializerOptions json)
{
    /// <summary>How long the ages of an unchanged list may lag behind the clock (they are rounded to 0.1 s; polls are seconds apart).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    /// <summary>How long a list that the fleet has moved past may still be served while its successor is built.</summary>
    public static readonly TimeSpan MaxLag = TimeSpan.FromMilliseconds(250);

    // Versions start again at every start of the process: the tag names this run, so that an old tag never matches a new list.
    private static readonly string RunTag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    private readonly Lock _gate = new();
    private FleetListBody? _current;
    private Task<FleetListBody>? _building;
    // The encodings clients asked for: a new body is compressed in them while it is built, not by the first request for it.
    private int _codingsWanted;

    /// <summary>The current list (or one at most <see cref="MaxLag"/> behind it), to be sent in <paramref name="coding"/>.</summary>
    public async Task<FleetListBody> GetAsync(ContentCoding coding, CancellationToken cancellationToken)
    {
        if (coding != ContentCoding.Identity) Interlocked.Or(ref _codingsWanted, 1 << (int)coding);
        if (_current is not { } kept) return await BuildAsync(null).WaitAsync(cancellationToken);
        var age = clock.GetUtcNow() - kept.BuiltAt;
        if (kept.Version is null) return age < MaxLag ? kept : await BuildAsync(null).WaitAsync(cancellationToken);
        var answer = await directory.ListIfChangedAsync(kept.Version, cancellationToken);
        var changed = answer.Tunnels is not null;
        if (!changed && age < MaxAge) return kept;
        var building = BuildAsync(changed ? answer : null);
        var servable = changed ? age < MaxLag : age < MaxAge + MaxLag;
        return servable ? kept : await building.WaitAsync(cancellationToken);
    }

    /// <summary>The build under way, or a new one (from the list given, else from one asked for now), on the thread pool.</summary>
    private Task<FleetListBody> BuildAsync(VersionedTunnelViews? list)
    {
        lock (_gate)
        {
            if (_building is { IsCompleted: false } running) return running;
            // Not a request's token: others wait for this build too, and a list served later needs it finished.
            return _building = Task.Run(async () =>
            {
                var answer = list ?? await directory.ListIfChangedAsync(null, CancellationToken.None);
                var body = Build(answer.Version, answer.Tunnels!, clock.GetUtcNow());
                foreach (var coding in new[] { ContentCoding.Gzip, ContentCoding.Brotli })
                    if ((Volatile.Read(ref _codingsWanted) & (1 << (int)coding)) != 0) body.Encoded(coding);
                _current = body;
                return body;
            });
        }
    }

    private FleetListBody Build(long? version, IReadOnlyList<TunnelView> tunnels, DateTimeOffset now)
    {
        var resources = tunnels.Select(t => TunnelResource.From(t, now)).ToList();
        var bytes = JsonSerializer.SerializeToUtf8Bytes(resources, json);
        // A versioned list is the same list while its version stands (only its ages move on): a weak tag. A cluster's list
        // has no version: its tag is its content's.
        var tag = version is { } v
            ? $"W/\"{RunTag}-{v}\""
            : $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12))}\"";
        return new FleetListBody(version, bytes, resources.Count, now, tag);
    }
}
