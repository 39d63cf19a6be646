/**
 * Writes the manifests a player sees from the ladder ffmpeg packaged plus the tracks added later
 * (captions, extra audio). Pure functions, run at request time: ffmpeg's own master playlist and
 * MPD (stored once, at processing) stay the source of truth for the video renditions' codecs,
 * bandwidths and segment timelines, which we could not restate as precisely; we add the
 * #EXT-X-MEDIA renditions (HLS) and AdaptationSets (DASH) of the tracks. Adding or removing a
 * track therefore never rewrites stored files, and a retried transcode cannot lose a track.
 */
export interface ManifestCaption {
  language: string;
  label: string;
  /** Relative to the manifest folder, e.g. `tracks/caption-en/index.m3u8` (HLS) / `.../caption.vtt` (DASH). */
  playlistUri: string;
  vttUri: string;
}

export interface ManifestAudio {
  uid: string;
  label: string;
  default: boolean;
  /** Relative HLS media playlist of the track. */
  playlistUri: string;
  /** The track's DASH AdaptationSet, its URLs already relative to the manifest folder. */
  dashAdaptationSet: string;
}

export interface ManifestTracks {
  captions: ManifestCaption[];
  audio: ManifestAudio[];
}

const SUBS_GROUP = 'subs';
const ADDED_AUDIO_GROUP = 'kiln_audio';
const AAC_CODEC = 'mp4a.40.2';

export function composeHlsMaster(master: string, tracks: ManifestTracks): string {
  if (tracks.captions.length === 0 && tracks.audio.length === 0) return master;
  const lines = master.split('\n');
  const existingAudio = lines.find((l) => l.startsWith('#EXT-X-MEDIA:') && /TYPE=AUDIO/.test(l));
  const group = /GROUP-ID="([^"]+)"/.exec(existingAudio ?? '')?.[1] ?? ADDED_AUDIO_GROUP;
  const anyDefault = tracks.audio.some((a) => a.default);
  const media: string[] = [];
  tracks.audio.forEach((a, i) => {
    const isDefault = a.default || (!existingAudio && !anyDefault && i === 0);
    media.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${group}",NAME=${quote(a.label)},DEFAULT=${isDefault ? 'YES' : 'NO'},AUTOSELECT=YES,URI="${a.playlistUri}"`,
    );
  });
  for (const c of tracks.captions) {
    media.push(
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${SUBS_GROUP}",NAME=${quote(c.label)},LANGUAGE="${c.language}",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="${c.playlistUri}"`,
    );
  }
  const out: string[] = [];
  let inserted = false;
  for (const line of lines) {
    if (line.startsWith('#EXT-X-MEDIA:') && /TYPE=AUDIO/.test(line)) {
      // The upload's own audio: named, and no longer the default when a track was made default.
      out.push(
        line
          .replace(/NAME="[^"]*"/, 'NAME="Original"')
          .replace(/DEFAULT=(YES|NO)/, `DEFAULT=${anyDefault ? 'NO' : 'YES'}`)
          .replace(/,AUTOSELECT=(YES|NO)/, '')
          .concat(',AUTOSELECT=YES'),
      );
      continue;
    }
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      if (!inserted) {
        out.push(...media);
        inserted = true;
      }
      let inf = line;
      if (tracks.audio.length > 0 && !/AUDIO="/.test(inf)) {
        inf = inf.replace(/CODECS="([^"]*)"/, (_m, c: string) => `CODECS="${c},${AAC_CODEC}"`);
        inf += `,AUDIO="${group}"`;
      }
      if (tracks.captions.length > 0) inf += `,SUBTITLES="${SUBS_GROUP}"`;
      out.push(inf);
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** A VOD media playlist of one WebVTT file spanning the whole video. */
export function subtitlePlaylist(durationSeconds: number, vttUri: string): string {
  const duration = Math.max(0.001, durationSeconds);
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.ceil(duration)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${duration.toFixed(3)},`,
    vttUri,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

export function composeMpd(mpd: string, tracks: ManifestTracks): string {
  if (tracks.captions.length === 0 && tracks.audio.length === 0) return mpd;
  const sets: string[] = [];
  let nextId = 100;
  for (const a of tracks.audio) {
    sets.push(
      a.dashAdaptationSet
        .replace(/<AdaptationSet\b[^>]*?\bid="[^"]*"/, (m) => m.replace(/id="[^"]*"/, `id="${nextId++}"`))
        .replace(
          /(<AdaptationSet\b[^>]*>)/,
          `$1\n\t\t\t<Label>${xml(a.label)}</Label>\n\t\t\t<Role schemeIdUri="urn:mpeg:dash:role:2011" value="${a.default ? 'main' : 'alternate'}"/>`,
        ),
    );
  }
  for (const c of tracks.captions) {
    const id = nextId++;
    sets.push(
      [
        `\t\t<AdaptationSet id="${id}" contentType="text" mimeType="text/vtt" lang="${xml(c.language)}">`,
        `\t\t\t<Label>${xml(c.label)}</Label>`,
        '\t\t\t<Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/>',
        `\t\t\t<Representation id="caption-${xml(c.language)}" bandwidth="256">`,
        `\t\t\t\t<BaseURL>${xml(c.vttUri)}</BaseURL>`,
        '\t\t\t</Representation>',
        '\t\t</AdaptationSet>',
      ].join('\n'),
    );
  }
  const end = mpd.lastIndexOf('</Period>');
  if (end < 0) return mpd;
  return `${mpd.slice(0, end)}${sets.join('\n')}\n\t${mpd.slice(end)}`;
}

/**
 * The AdaptationSet of an audio-only track packaged by ffmpeg's dash muxer, with its segment
 * template pointed into the track's folder (`$RepresentationID$` resolved, the id made unique).
 */
export function relocateAudioAdaptationSet(trackMpd: string, folder: string, uid: string): string {
  const match = /[ \t]*<AdaptationSet\b[\s\S]*?<\/AdaptationSet>/.exec(trackMpd);
  if (!match) throw new Error('the audio track MPD has no AdaptationSet');
  let set = match[0];
  const repId = /<Representation\b[^>]*\bid="([^"]*)"/.exec(set)?.[1] ?? '0';
  set = set.replace(/\$RepresentationID\$/g, repId);
  set = set.replace(
    /(initialization|media)="([^"]*)"/g,
    (_m, attr: string, v: string) => `${attr}="${folder}/${v}"`,
  );
  return set.replace(/(<Representation\b[^>]*\bid=")[^"]*(")/, `$1audio-${uid.slice(0, 8)}$2`);
}

function quote(s: string): string {
  return `"${s.replace(/["\r\n]/g, "'")}"`;
}

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
