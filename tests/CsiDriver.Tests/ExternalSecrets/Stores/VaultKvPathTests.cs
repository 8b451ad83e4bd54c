using CsiDriver.ExternalSecrets.Stores.Vault;

namespace CsiDriver.Tests.ExternalSecrets.Stores;

/// <summary>The External Secrets Operator's KV path rules (eso.md section 4.4).</summary>
public sealed class VaultKvPathTests
{
    [Theory]
    [InlineData("secret", "foo", true, "secret/data/foo")]
    [InlineData("secret", "secret/foo", true, "secret/data/foo")]
    [InlineData("secret", "secret/data/foo", true, "secret/data/foo")]
    [InlineData(null, "secret/foo", true, "secret/data/foo")]
    [InlineData(null, "secret/data/foo", true, "secret/data/foo")]
    [InlineData(null, "secret/a/b/c", true, "secret/data/a/b/c")]
    [InlineData("team/kv", "app/db", true, "team/kv/data/app/db")]
    [InlineData("team/kv", "team/kv/app/db", true, "team/kv/data/app/db")]
    [InlineData("secret", "foo", false, "secret/foo")]
    [InlineData("secret", "secret/foo", false, "secret/foo")]
    [InlineData(null, "kv/foo", false, "kv/foo")]
    public void Data_BuildsTheReadPath(string? mount, string key, bool kvV2, string expected) =>
        VaultKvPath.Data(mount, key, kvV2).Should().Be(expected);

    [Theory]
    [InlineData("secret", "foo", "secret/metadata/foo")]
    [InlineData("secret", "secret/data/foo", "secret/metadata/foo")]
    [InlineData(null, "secret/foo", "secret/metadata/foo")]
    public void Metadata_BuildsTheMetadataPath(string? mount, string key, string expected) =>
        VaultKvPath.Metadata(mount, key).Should().Be(expected);
}
