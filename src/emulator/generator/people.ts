/** The generated people: names, devices, and the networks each one signs in from. */
import type { MailboxState, UserState } from "../state.js";
import type { Network } from "./networks.js";

export const GIVEN = [
  "Adele",
  "Alex",
  "Megan",
  "Lee",
  "Nestor",
  "Diego",
  "Isaiah",
  "Johanna",
  "Joni",
  "Lidia",
  "Lynne",
  "Miriam",
  "Patti",
  "Pradeep",
  "Grady",
  "Henrietta",
  "Irvin",
  "Allan",
  "Christie",
  "Debra",
  "Enrico",
  "Emily",
  "Cameron",
  "Delia",
  "Brian",
  "Gerhart",
  "Raul",
  "Ben",
  "Nina",
  "Sanjay",
  "Priya",
  "Tomas",
  "Ingrid",
  "Kenji",
  "Amara",
  "Fatima",
  "Oliver",
  "Sofia",
  "Mateo",
  "Hannah",
  "Yusuf",
  "Chloe",
  "Marek",
  "Aiko",
  "Lucas",
  "Zara",
  "Noah",
  "Elena",
  "Kwame",
  "Ravi",
] as const;
export const SURNAMES = [
  "Vance",
  "Wilber",
  "Bowen",
  "Gu",
  "Wilke",
  "Soto",
  "Kelley",
  "Lauer",
  "Sherman",
  "Holloway",
  "Robbins",
  "Graham",
  "Fernandez",
  "Gupta",
  "Archie",
  "Cerrato",
  "Sayers",
  "Deyoung",
  "Cline",
  "Berg",
  "Catteneo",
  "Braun",
  "White",
  "Dunham",
  "Johnson",
  "Mueller",
  "Castillo",
  "Walters",
  "Okafor",
  "Rao",
  "Nair",
  "Novak",
  "Larsen",
  "Tanaka",
  "Mensah",
  "Haddad",
  "Brooks",
  "Rossi",
  "Alvarez",
  "Fischer",
  "Demir",
  "Martin",
  "Kowalski",
  "Sato",
  "Silva",
  "Khan",
  "Evans",
  "Petrova",
  "Boateng",
  "Iyer",
] as const;
export const TITLES = [
  "Retail Manager",
  "Marketing Manager",
  "Marketing Assistant",
  "Director",
  "Sales Representative",
  "Accountant",
  "Accounts Payable Clerk",
  "Controller",
  "HR Manager",
  "Developer",
  "Product Manager",
  "Executive Assistant",
  "Paralegal",
  "Buyer",
  "Support Engineer",
  "Designer",
] as const;

export interface Device {
  deviceId: string;
  displayName: string;
  operatingSystem: string;
  browser: string;
  isCompliant: boolean;
  isManaged: boolean;
  trustType: string;
}

export interface Endpoint {
  net: Network;
  /** The address sign-ins show (IPv4, or IPv6 on a dual-stack carrier). */
  ip: string;
  userAgent: string;
  device: Device;
}

export interface Person {
  index: number;
  user: UserState;
  mailbox: MailboxState;
  office: Endpoint;
  home: Endpoint;
  phone: Endpoint;
  /** Index of a colleague who assists this person (internal forwards, send-on-behalf), if any. */
  assistant: number | null;
}

export const UA_EDGE =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0";
export const UA_OUTLOOK = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17628; Pro)";
export const UA_IOS = "Outlook-iOS/2.0";
/** What AiTM kits relay: a current desktop Chrome on a device Entra has never seen. */
export const UA_CHROME_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
export const UA_PYTHON = "python-requests/2.31.0";

export const UNKNOWN_DEVICE = (browser: string, os: string): Device => ({
  deviceId: "",
  displayName: "",
  operatingSystem: os,
  browser,
  isCompliant: false,
  isManaged: false,
  trustType: "",
});
