namespace WgSupervisor.Host.Configuration;

/// <summary>
/// The one declaration of a configuration section: the keys it allows, each with how it is read, and the rules
/// across keys, in the order they are read (and listed in "unknown key" messages). A new key is one line here.
/// Reading starts from the section's defaults and gives back a new value per key, so what is not set keeps
/// its default; a problem is recorded with its key path and reading goes on.
/// </summary>
/// <typeparam name="T">What the section is read into, usually its settings record.</typeparam>
public sealed class KeyTable<T>
{
    private readonly List<(string? Key, Func<SectionContext, T, T> Apply)> _steps = [];

    /// <summary>The keys this section allows.</summary>
    public IReadOnlyList<string> Keys => _steps.Where(step => step.Key is not null).Select(step => step.Key!).ToList();

    /// <summary>A key and how it is read; it runs whether or not the key is set, so that it can give a default or require it.</summary>
    public KeyTable<T> Key(string key, Func<KeyReader, T, T> read)
    {
        _steps.Add((key, (section, value) => read(section.Key(key), value)));
        return this;
    }

    /// <summary>A key allowed here that holds a section read by that section's own validator (the sections under the root).</summary>
    public KeyTable<T> Section(string key)
    {
        _steps.Add((key, (_, value) => value));
        return this;
    }

    /// <summary>A rule across the keys read so far.</summary>
    public KeyTable<T> Check(Action<SectionContext, T> check)
    {
        _steps.Add((null, (section, value) =>
        {
            check(section, value);
            return value;
        }));
        return this;
    }

    /// <summary>Another table's keys and rules, at this point (the per-tunnel fields that Defaults shares with Tunnels).</summary>
    public KeyTable<T> Include(KeyTable<T> other)
    {
        _steps.AddRange(other._steps);
        return this;
    }

    /// <summary>Rejects unknown keys, then reads every key in order, starting from <paramref name="start"/>.</summary>
    public T Read(SettingsReader reader, IConfiguration section, string path, T start)
    {
        reader.RejectUnknown(section, path, Keys);
        var context = new SectionContext(reader, section, path);
        return _steps.Aggregate(start, (value, step) => step.Apply(context, value));
    }

    /// <summary>Reads the object under <paramref name="key"/> (a nested section such as Backoff) with this table.</summary>
    public T Read(KeyReader key, T start) => Read(key.Reader, key.Section, key.Path, start);
}

/// <summary>One section being read: where it is, and where its problems go.</summary>
public sealed record SectionContext(SettingsReader Reader, IConfiguration Section, string Path)
{
    public KeyReader Key(string key) => new(Reader, Section, key, SettingsReader.PathOf(Path, key));

    public void Problem(string key, string problem) => Reader.Problem(SettingsReader.PathOf(Path, key), problem);
}
