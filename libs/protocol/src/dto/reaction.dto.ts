import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, Validate, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';

/** Long enough for any emoji ZWJ sequence (families with skin tones, subdivision flags); short enough to bound stored rows. */
export const MAX_EMOJI_LENGTH = 32;

/** Unicode's recommended emoji (flags, keycaps, skin tones, ZWJ sequences) as the runtime's ICU knows them. */
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
/** One pictographic code point, maybe with a presentation selector: text-style ❤ and emoji newer than the runtime's data. */
const ONE_PICTOGRAPH = /^\p{Extended_Pictographic}[\uFE0E\uFE0F]?$/u;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Exactly one emoji: a single grapheme that Unicode calls an emoji. */
export function isSingleEmoji(value: string): boolean {
  if (value.length === 0 || value.length > MAX_EMOJI_LENGTH) return false;
  const [first, second] = graphemes.segment(value);
  return first !== undefined && second === undefined && (RGI_EMOJI.test(value) || ONE_PICTOGRAPH.test(value));
}

@ValidatorConstraint({ name: 'singleEmoji' })
class SingleEmoji implements ValidatorConstraintInterface {
  validate(value: unknown) {
    return typeof value === 'string' && isSingleEmoji(value);
  }
  defaultMessage() {
    return 'emoji must be exactly one emoji';
  }
}

export class ReactionDto {
  @ApiProperty({ description: 'exactly one emoji (one grapheme, e.g. 👍, ❤️, 🇫🇷, 👍🏽); replaces the caller\'s earlier reaction', example: '👍' })
  @IsString()
  @MaxLength(MAX_EMOJI_LENGTH)
  @Validate(SingleEmoji)
  emoji: string;
}
