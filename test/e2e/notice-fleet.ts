import { MailCatcher } from "./notice-receivers.js";
import { ReleaseFleet } from "./release-kit.js";
import { recordingPack } from "./release-probes.js";

/**
 * The fleet the blackout and notice tests share: a real coordinator process
 * mailing through a real SMTP server on loopback (--smtp, --mail-from), two
 * tills in two German stores on 1.0.0 (1.1.0 published), and the people
 * mail goes to: anna (operator, who plans tasks), petra (partner admin of
 * DE), and the contact of store 1001.
 */

export const TILLS = ["1001/01", "1002/01"];
export const ANNA = "anna@example.test";
export const PETRA = "petra@example.test";
export const STORE_1001 = "store1001@example.test";
export const MAIL_FROM = "tillroll@example.test";

export interface NoticeFleet {
  fleet: ReleaseFleet;
  mail: MailCatcher;
  close(): Promise<void>;
}

export async function noticeFleet(name: string): Promise<NoticeFleet> {
  const mail = await MailCatcher.start();
  let fleet: ReleaseFleet;
  try {
    fleet = await ReleaseFleet.create(name, [recordingPack("1.0.0"), recordingPack("1.1.0")], {
      tills: TILLS,
      coordinator: { extraArgs: ["--smtp", mail.url, "--mail-from", MAIL_FROM] },
    });
  } catch (error) {
    await mail.close();
    throw error;
  }
  const close = async () => {
    await fleet.close();
    await mail.close();
  };
  try {
    await fleet.addOperator("anna", "operator", "--email", ANNA);
    await fleet.addOperator("petra", "admin", "--scope", "DE", "--email", PETRA);
  } catch (error) {
    await close();
    throw error;
  }
  return { fleet, mail, close };
}
