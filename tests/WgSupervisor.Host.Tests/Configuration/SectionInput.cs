using System.Text;
using Microsoft.Extensions.Configuration;
using WgSupervisor.Host.Configuration;
using Xunit;

namespace WgSupervisor.Domain.Tests.Configuration;

/// <summary>Configuration text as a section validator sees it, and what the validator recorded.</summary>
internal static class SectionInput
{
    public static IConfigurationRoot Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    /// <summary>A reader for the key <paramref name="key"/> of the JSON object given, at the path <paramref name="path"/>.</summary>
    public static KeyReader Key(SettingsReader reader, string json, string key, string path) => new(reader, Json(json), key, path);

    public static string[] Places(SettingsReader reader) => reader.Problems.Select(p => p.Where).Order(StringComparer.Ordinal).ToArray();

    public static ConfigProblem Single(SettingsReader reader) => Assert.Single(reader.Problems);
}
