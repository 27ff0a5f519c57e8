/** RTE's public download addresses for the national éCO2mix files. */

export type RteFileKind = "annual" | "consolidated" | "real-time";

export interface RteRemoteFile {
  kind: RteFileKind;
  name: string;
  url: string;
  /** The year an annual file covers. */
  year?: number;
}

export function annualFile(baseUrl: string, year: number): RteRemoteFile {
  const name = `eCO2mix_RTE_Annuel-Definitif_${year}.zip`;
  return { kind: "annual", name, url: `${baseUrl}/download/eco2mix/${name}`, year };
}

export function consolidatedFile(baseUrl: string): RteRemoteFile {
  const name = "eCO2mix_RTE_En-cours-Consolide.zip";
  return {
    kind: "consolidated",
    name,
    url: `${baseUrl}/download/eco2mix/${name}`,
  };
}

export function realTimeFile(baseUrl: string): RteRemoteFile {
  const name = "eCO2mix_RTE_En-cours-TR.zip";
  return {
    kind: "real-time",
    name,
    url: `${baseUrl}/download/eco2mix/${name}`,
  };
}
